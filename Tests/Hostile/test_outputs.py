"""Never lose a file: every command that writes refuses to replace an existing
output without --overwrite (exit 1, one message shape, the file byte for byte
unchanged, nothing left beside it), replaces it with --overwrite (no temporary
left), and refuses a destination that is or overlaps its source even with
--overwrite, before anything is written. No TensorFlow needed."""
import os
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, run_tfmeta, snapshot

PRECIOUS = b"unrelated data that must survive\n"
EXISTS = ": the destination exists ("
OVERWRITE = "); use --overwrite to replace it"


def setup_inputs(d):
    """Sources in `d/in`: a V1 and a V2 checkpoint, a TF2 one, a .meta, a SavedModel,
    a migrate directory and a moved state directory."""
    i = d / "in"
    i.mkdir()
    shutil.copy(FIXTURES / "ckpt" / "v1_partitioned", i / "v1")
    for suffix in (".index", ".data-00000-of-00001"):
        shutil.copy(FIXTURES / "ckpt" / ("v2_partitioned" + suffix), i / ("v2" + suffix))
        shutil.copy(FIXTURES / "ckpt" / ("tf2_keras" + suffix), i / ("tf2" + suffix))
    shutil.copy(FIXTURES / "meta" / "train_graph.meta", i / "g.meta")
    shutil.copytree(FIXTURES / "saved_model", i / "sm")
    shutil.copytree(FIXTURES / "migrate" / "v1_saver", i / "dir")
    shutil.copytree(FIXTURES / "state" / "absolute", i / "moved")


# name: (arguments with OUT for the output, the file to plant at the output)
WRITERS = {
    "ckpt migrate": (["ckpt", "migrate", "in/v1", "OUT"], "OUT.index"),
    "ckpt migrate V2": (["ckpt", "migrate", "in/v2", "OUT", "--shards", "2"], "OUT.data-00000-of-00002"),
    "ckpt migrate DIR": (["ckpt", "migrate", "in/dir", "OUT"], "OUT/checkpoint"),
    "ckpt rename": (["ckpt", "rename", "in/v2", "OUT", "--rule", "^scope/=>net/"], "OUT.index"),
    "ckpt to-object": (["ckpt", "to-object", "in/v2", "--template", "in/tf2", "OUT"], "OUT.index"),
    "ckpt to-names": (["ckpt", "to-names", "in/tf2", "OUT"], "OUT.index"),
    "ckpt export safetensors": (["ckpt", "export", "in/v2", "OUT.safetensors"], "OUT.safetensors"),
    "ckpt export npz": (["ckpt", "export", "in/v1", "OUT.npz"], "OUT.npz"),
    "meta convert": (["meta", "convert", "in/g.meta", "OUT.pbtxt"], "OUT.pbtxt"),
    "meta rescope": (["meta", "rescope", "in/g.meta", "OUT.meta", "--strip-scope", "model"], "OUT.meta"),
    "meta extract": (["meta", "extract", "in/sm", "--tags", "serve", "OUT.meta"], "OUT.meta"),
}


def args_for(args, out):
    return [a.replace("OUT", out) for a in args]


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_existing_output_needs_overwrite(writer, case_dir):
    setup_inputs(case_dir)
    (case_dir / "out").mkdir()
    args, planted = WRITERS[writer]
    target = case_dir / planted.replace("OUT", "out/o")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(PRECIOUS)
    inputs = snapshot(case_dir / "in")
    before = snapshot(case_dir / "out")

    refused = run_tfmeta(args_for(args, "out/o"), cwd=case_dir)
    assert refused.status == 1, refused.describe()
    # One message shape for every writer: "DEST: the destination exists (WHAT); use --overwrite to replace it".
    dest = args_for([a for a in args if "OUT" in a], "out/o")[0]
    assert f"Error: {dest}{EXISTS}" in refused.stderr and OVERWRITE in refused.stderr, refused.describe()
    assert target.read_bytes() == PRECIOUS
    assert snapshot(case_dir / "out") == before, "the refused command changed the output directory"
    assert snapshot(case_dir / "in") == inputs

    replaced = run_tfmeta(args_for(args, "out/o") + ["--overwrite"], cwd=case_dir)
    assert replaced.status == 0, replaced.describe()
    assert not any(".tempstate" in p or ".tmp" in p for p in snapshot(case_dir / "out")), snapshot(case_dir / "out")
    assert target.read_bytes() != PRECIOUS
    assert snapshot(case_dir / "in") == inputs


def test_state_rebase_edits_in_place(case_dir):
    # rebase's purpose is to repair the state file it is given: it edits it in
    # place (atomically, as TensorFlow's savers do) and needs no --overwrite.
    setup_inputs(case_dir)
    state = case_dir / "in" / "moved" / "checkpoint"
    old = state.read_bytes()
    dry = run_tfmeta(["state", "rebase", "in/moved", "--dry-run"], cwd=case_dir)
    assert dry.status == 0 and state.read_bytes() == old
    done = run_tfmeta(["state", "rebase", "in/moved"], cwd=case_dir)
    assert done.status == 0, done.describe()
    assert state.read_bytes() != old and b"model.ckpt-2" in state.read_bytes()
    assert sorted(os.listdir(state.parent)) == sorted(os.listdir(FIXTURES / "state" / "absolute"))


# The destination is the source, or overlaps it: refused even with --overwrite.
OVERLAPS = {
    "migrate V1 file onto itself": ["ckpt", "migrate", "in/v1", "in/v1"],
    "migrate V2 prefix onto itself": ["ckpt", "migrate", "in/v2", "in/v2"],
    "migrate onto the source's index": ["ckpt", "migrate", "in/v2", "in/v2.index"],
    "migrate from the index onto the prefix": ["ckpt", "migrate", "in/v2.index", "in/v2"],
    "migrate through another spelling": ["ckpt", "migrate", "in/v1", "in/../in/./v1"],
    "migrate a directory into itself": ["ckpt", "migrate", "in/dir", "in/dir"],
    "rename onto the source": ["ckpt", "rename", "in/v2", "in/v2", "--rule", "a=>b"],
    "rename a V1 file onto itself": ["ckpt", "rename", "in/v1", "in/v1", "--rule", "a=>b"],
    "to-object onto the template": ["ckpt", "to-object", "in/v2", "--template", "in/tf2", "in/tf2"],
    "to-names onto the source": ["ckpt", "to-names", "in/tf2", "in/tf2"],
    "meta convert onto the input": ["meta", "convert", "in/g.meta", "in/g.meta"],
    "meta rescope onto the input": ["meta", "rescope", "in/g.meta", "in/g.meta", "--clear-devices"],
    "meta extract onto the SavedModel": ["meta", "extract", "in/sm/saved_model.pb", "--tags", "serve", "in/sm/saved_model.pb"],
}


@pytest.mark.parametrize("case", sorted(OVERLAPS))
def test_destination_overlapping_the_source_is_refused(case, case_dir):
    setup_inputs(case_dir)
    inputs = snapshot(case_dir / "in")
    for extra in ([], ["--overwrite"]):
        outcome = run_tfmeta(OVERLAPS[case] + extra, cwd=case_dir)
        assert outcome.status == 1, outcome.describe()
        assert ": the destination is the source " in outcome.stderr, outcome.describe()
        assert "inputs are never modified" in outcome.stderr
        assert snapshot(case_dir / "in") == inputs, "an input was modified or a file added beside it"


def test_hard_link_to_the_source_is_refused(case_dir):
    setup_inputs(case_dir)
    os.link(case_dir / "in" / "g.meta", case_dir / "link.pbtxt")
    outcome = run_tfmeta(["meta", "convert", "in/g.meta", "link.pbtxt", "--overwrite"], cwd=case_dir)
    assert outcome.status == 1 and "the destination is the source in/g.meta" in outcome.stderr, outcome.describe()
    assert (case_dir / "link.pbtxt").read_bytes() == (FIXTURES / "meta" / "train_graph.meta").read_bytes()


def test_symlinked_directory_to_the_source_is_refused(case_dir):
    setup_inputs(case_dir)
    os.symlink(case_dir / "in", case_dir / "alias")
    outcome = run_tfmeta(["ckpt", "migrate", "in/v1", "alias/v1", "--overwrite"], cwd=case_dir)
    assert outcome.status == 1 and "the destination is the source" in outcome.stderr, outcome.describe()
    assert sorted(os.listdir(case_dir / "in")) == sorted(["v1", "v2.index", "v2.data-00000-of-00001", "tf2.index",
                                                         "tf2.data-00000-of-00001", "g.meta", "sm", "dir", "moved"])


def test_writing_a_file_where_a_directory_is(case_dir):
    setup_inputs(case_dir)
    (case_dir / "out.npz").mkdir()
    outcome = run_tfmeta(["ckpt", "export", "in/v2", "out.npz", "--overwrite"], cwd=case_dir)
    assert outcome.status == 1 and "out.npz: is a directory" in outcome.stderr, outcome.describe()
