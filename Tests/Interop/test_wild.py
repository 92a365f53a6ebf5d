"""Files from the wild (issue 18): real TensorFlow artifacts from 2016-2022, taken
byte for byte from public repositories (provenance in ../shared/wild/PROVENANCE.md).
They are others' files and are not copied into the repository: CI has ../shared
beside the clone, and a missing folder fails this module (it never skips).

TensorFlow 2.21 judges: every checkpoint key, dtype, shape and value tfmeta reads;
every graph tfmeta converts (as messages, binary byte for byte, text as Python's
text_format prints it, JSON through json_format); every V1 artifact migrated and
restored through its migrated .meta; verify; state show/latest against
get_checkpoint_state/latest_checkpoint; and the truncated file TensorFlow cannot
read either is refused with a clear message.
"""
import base64
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from google.protobuf import json_format, text_format
from tensorflow.core.protobuf import meta_graph_pb2, saved_model_pb2

from conftest import ROOT, tfmeta
from saver_structure import saver_structure

tf1 = tf.compat.v1

WILD = (ROOT / ".." / "shared" / "wild").resolve()
if not WILD.is_dir():  # a collection error: the whole module fails, loudly
    raise RuntimeError(f"{WILD} is missing: the wild artifacts live in ../shared/wild beside the "
                       "repository (issue 18); this suite never skips them")

TABLE_MAGIC = bytes.fromhex("57fb808b247547db")  # LevelDB table footer: V1 files and V2 indexes
SHARD = re.compile(r"^(.*)-(\d{5})-of-(\d{5})$")
TRUNCATED = WILD / "joosh_binary_named_pbtxt"
# Python's text_format prints about 0.5 MB/s here: larger graphs are compared as
# binary messages (and byte for byte), their text and JSON only below these sizes.
TEXT_LIMIT = 300_000
# json_format.Parse is slower still (about 0.1 MB/s of binary graph).
JSON_LIMIT = 150_000


def rel(p):
    return str(Path(p).relative_to(WILD))


def is_table(p):
    if p.stat().st_size < 48:
        return False
    with open(p, "rb") as f:
        f.seek(-8, os.SEEK_END)
        return f.read() == TABLE_MAGIC


def inventory():
    v2, v1, graphs, states = set(), set(), [], []
    for p in sorted(WILD.rglob("*")):
        if not p.is_file() or p.is_relative_to(TRUNCATED):
            continue
        if p.name == "checkpoint":
            states.append(p.parent)
        elif p.suffix == ".index" and is_table(p):
            v2.add(str(p)[: -len(".index")])
        elif p.suffix == ".meta" or p.name in ("saved_model.pb", "saved_model.pbtxt"):
            graphs.append(p)
        elif ".data-" not in p.name and p.suffix not in (".pb", ".txt", ".md") and is_table(p):
            m = SHARD.match(str(p))
            v1.add(f"{m.group(1)}-?????-of-{m.group(3)}" if m else str(p))
    return sorted(v2), sorted(v1), graphs, sorted(states)


V2, V1, GRAPHS, STATES = inventory()
CHECKPOINTS = V1 + V2
# One graph per directory for the slow Python-side text and JSON checks: the
# checkpoints of one run (quant's four, tfx 2022's three) share their graph's structure.
ONE_PER_DIRECTORY = [p for i, p in enumerate(GRAPHS) if all(q.parent != p.parent for q in GRAPHS[:i])]


def test_the_wild_is_all_there():
    """The walk finds what PROVENANCE.md lists (a walk that finds nothing proves nothing)."""
    assert len([d for d in WILD.iterdir() if d.is_dir()]) == 42
    assert len(V1) == 11, V1        # 8 V1 artifacts; quant has 4 checkpoints
    assert len(V2) >= 25, V2        # V2 checkpoints and SavedModel variables
    assert len(GRAPHS) >= 40, len(GRAPHS)
    assert len(STATES) == 9, STATES
    assert any(p.name == "saved_model.pbtxt" for p in GRAPHS)


# ---------------------------------------------------------------- checkpoints


def tf_get(reader, key):
    """TensorFlow's value, or None where its Python reader refuses (sliced V1)."""
    try:
        return reader.get_tensor(key)
    except Exception as e:  # noqa: BLE001
        assert "Sliced" in str(e) or "slice" in str(e).lower(), (key, str(e))
        return None


def ours_values(prefix, tmp_path, string_keys):
    """tfmeta's values: numeric through `ckpt export .npz`, strings through `ckpt show --json`."""
    out = tmp_path / "values.npz"
    tfmeta("ckpt", "export", prefix, out)
    with np.load(out) as z:
        values = {k: z[k] for k in z.files}
    if string_keys:
        shown = json.loads(tfmeta("ckpt", "show", prefix, *string_keys, "--json").stdout)
        shown = shown if isinstance(shown, list) else [shown]
        for entry in shown:
            values[entry["key"]] = entry["values"]
    return values


def as_bytes(v):
    """A `ckpt show --json` string value back to its bytes."""
    if isinstance(v, list):
        return [as_bytes(x) for x in v]
    if isinstance(v, dict):
        return base64.b64decode(v["base64"])
    return v.encode("utf-8")


def same_value(ours, theirs, key):
    theirs = np.asarray(theirs, dtype=object) if isinstance(theirs, bytes) else np.asarray(theirs)
    if theirs.dtype == object or theirs.dtype.kind == "S":
        def flat(v):
            return [y for x in v for y in flat(x)] if isinstance(v, list) else [v]
        assert flat(as_bytes(ours)) == [bytes(x) for x in theirs.ravel()], key
        return
    ours = np.asarray(ours)
    assert ours.shape == theirs.shape, key
    assert ours.dtype.itemsize == theirs.dtype.itemsize, key
    assert ours.tobytes() == theirs.tobytes(), f"{key}: values differ"


@pytest.mark.parametrize("prefix", CHECKPOINTS, ids=rel)
def test_checkpoint_agrees_with_tensorflow_bit_for_bit(prefix, tmp_path):
    ours = {e["key"]: (e["dtype"], e["shape"]) for e in json.loads(tfmeta("ckpt", "list", prefix, "--json").stdout)}
    reader = tf.train.load_checkpoint(prefix)
    shapes, dtypes = reader.get_variable_to_shape_map(), reader.get_variable_to_dtype_map()
    assert set(ours) == set(shapes)
    for key in shapes:
        assert ours[key] == (dtypes[key].name, list(shapes[key])), key
    strings = [k for k, d in dtypes.items() if d == tf.string]
    values = ours_values(prefix, tmp_path, strings)
    compared = 0
    for key in shapes:
        theirs = tf_get(reader, key)
        if theirs is None:
            continue  # sliced V1: checked through the migrated V2 below
        assert key in values, f"{key} ({dtypes[key].name}) not exported"
        same_value(values[key], theirs, key)
        compared += 1
    assert compared >= len(shapes) // 2 and compared > 0


@pytest.mark.parametrize("prefix", CHECKPOINTS, ids=rel)
def test_verify_passes(prefix):
    report = json.loads(tfmeta("ckpt", "verify", prefix, "--json").stdout)
    assert report["ok"] and report["problems"] == [] and report["tensors"] > 0


# ---------------------------------------------------------------- graphs


def graph_type(path):
    return saved_model_pb2.SavedModel if path.name.startswith("saved_model.") else meta_graph_pb2.MetaGraphDef


def theirs_graph(path):
    msg = graph_type(path)()
    if path.suffix == ".pbtxt":
        text_format.Parse(path.read_text(), msg)
    else:
        msg.ParseFromString(path.read_bytes())
    return msg


@pytest.mark.parametrize("path", GRAPHS, ids=rel)
def test_graph_converts_to_the_same_message(path, tmp_path):
    theirs = theirs_graph(path)
    out = tmp_path / "out.pb"
    tfmeta("meta", "convert", path, out)
    if path.suffix != ".pbtxt":
        # Byte for byte, whatever field order the writer used.
        assert out.read_bytes() == path.read_bytes()
    back = graph_type(path)()
    back.ParseFromString(out.read_bytes())
    assert back == theirs
    # Text: what Python's text_format prints, byte for byte (small graphs; see TEXT_LIMIT).
    if path.stat().st_size <= TEXT_LIMIT and path in ONE_PER_DIRECTORY:
        tfmeta("meta", "convert", path, tmp_path / "out.pbtxt")
        assert (tmp_path / "out.pbtxt").read_text() == text_format.MessageToString(theirs)


@pytest.mark.parametrize("path", [p for p in ONE_PER_DIRECTORY if p.stat().st_size <= JSON_LIMIT], ids=rel)
def test_graph_json_is_the_proto3_mapping_or_refused_as_json_format_refuses(path, tmp_path):
    theirs = theirs_graph(path)
    out = tmp_path / "out.json"
    p = tfmeta("meta", "convert", path, out, check=False)
    try:
        expected = json_format.MessageToDict(theirs)
    except TypeError as e:
        # An Any of a type neither side knows (SessionBundle's tensorflow.serving.*).
        assert p.returncode == 1 and not out.exists()
        assert str(path) in p.stderr and "no proto3 JSON form" in p.stderr, p.stderr
        assert "type.googleapis.com/tensorflow.serving." in str(e)
        return
    assert p.returncode == 0, p.stderr
    parsed = json_format.Parse(out.read_text(), graph_type(path)())
    assert parsed == theirs
    assert json.loads(out.read_text()).keys() == expected.keys()


def test_text_saved_model_reads_as_tensorflow_reads_it(tmp_path):
    [path] = [p for p in GRAPHS if p.suffix == ".pbtxt"]
    out = tmp_path / "out.pb"
    tfmeta("meta", "convert", path, out)
    ours = saved_model_pb2.SavedModel()
    ours.ParseFromString(out.read_bytes())
    assert ours == theirs_graph(path)
    report = json.loads(tfmeta("meta", "inspect", path.parent, "--json").stdout)
    assert report["encoding"] == "text" and report["kind"] == "saved_model"


def test_truncated_file_is_refused_as_tensorflow_refuses_it():
    path = TRUNCATED / "saved_model.pbtxt"
    data = path.read_bytes()
    with pytest.raises(Exception):
        text_format.Parse(data.decode("utf-8", "replace"), saved_model_pb2.SavedModel())
    with pytest.raises(Exception):
        saved_model_pb2.SavedModel().ParseFromString(data)
    for args in (("meta", "inspect", TRUNCATED), ("meta", "convert", path, "/dev/null/x.pb")):
        p = tfmeta(*args, check=False)
        assert p.returncode == 1, p
        assert p.stderr.startswith(f"Error: {path}: not a valid tensorflow.SavedModel"), p.stderr
        assert "remain" in p.stderr and "Traceback" not in p.stderr


# ---------------------------------------------------------------- migration


def import_meta(meta_path):
    """import_meta_graph, except that TF 2.21 cannot parse the version string
    '0.12.head' of TF 0.12 graphs (packaging.version.InvalidVersion, on the original
    file as well): that string is cleared in the MetaGraphDef passed to it."""
    from packaging.version import InvalidVersion, Version
    mg = meta_graph_pb2.MetaGraphDef()
    mg.ParseFromString(Path(meta_path).read_bytes())
    try:
        Version(mg.meta_info_def.tensorflow_version or "0")
    except InvalidVersion:
        assert mg.meta_info_def.tensorflow_version.endswith(".head"), mg.meta_info_def.tensorflow_version
        mg.meta_info_def.tensorflow_version = ""
    return tf1.train.import_meta_graph(mg, clear_devices=True)


def staged(tmp_path, files, state_path):
    """A directory of links to files of two artifacts, with a fresh state file."""
    d = tmp_path / "src"
    d.mkdir()
    for f in files:
        (d / f.name).symlink_to(f)
    (d / "checkpoint").write_text(f'model_checkpoint_path: "{state_path}"\n')
    return d


def migration_sources(tmp_path):
    """name → a function returning (kind, source): a directory with a state file, or
    a single checkpoint (its .meta beside it comes along as DST.meta)."""
    W = WILD
    return {
        "quant_contrib_learn_v1": lambda: ("dir", W / "quant_contrib_learn_v1/model"),
        "nxt_tensorflow_v1": lambda: ("dir", W / "nxt_tensorflow_v1"),
        "vocal_autoencoder_v1": lambda: ("dir", W / "vocal_autoencoder_v1"),
        "serving_session_bundle_v1": lambda: (
            "single", W / "serving_session_bundle_v1/half_plus_two/00000123/export-00000-of-00001"),
        "serving_half_plus_two_v1_2016": lambda: ("single", W / "serving_half_plus_two_v1_2016/half_plus_two/00000123/export"),
        # Its state file is stale (a writer's /tmp path; refused, see the state tests): the checkpoint itself.
        "serving_bad_half_plus_two_v1": lambda: ("single", W / "serving_bad_half_plus_two_v1/bad_half_plus_two/00000123/export"),
        "seq_rnn_v1": lambda: ("single", W / "seq_rnn_v1/save/model.ckpt"),
        # The same model as nxt_tensorflow_v1 with other values; restored through nxt's .meta.
        "nxt_tensorflow_v1_video_weights": lambda: ("dir", staged(
            tmp_path, [W / "nxt_tensorflow_v1_video_weights/video_weights.ckpt", W / "nxt_tensorflow_v1/model.ckpt.meta"],
            "video_weights.ckpt")),
    }


MIGRATIONS = sorted(migration_sources(Path("/nonexistent")))


@pytest.mark.parametrize("name", MIGRATIONS)
def test_every_v1_artifact_migrates_and_restores_through_its_migrated_meta(name, tmp_path):
    kind, src = migration_sources(tmp_path)[name]()
    if name == "nxt_tensorflow_v1_video_weights":
        (src / "video_weights.ckpt.meta").symlink_to(WILD / "nxt_tensorflow_v1/model.ckpt.meta")
    dst = tmp_path / "dst"
    if kind == "dir":
        summary = json.loads(tfmeta("ckpt", "migrate", src, dst, "--json").stdout)
        assert summary["missing"] == []
        metas = summary["meta_graphs"]
        pairs = list(zip(tf.train.get_checkpoint_state(str(src)).all_model_checkpoint_paths,
                         [c["destination"] for c in summary["checkpoints"]]))
    else:
        dst.mkdir()
        summary = json.loads(tfmeta("ckpt", "migrate", src, dst / "model", "--json").stdout)
        metas = [summary["meta_graph"]] if summary["meta_graph"] else []
        original = str(src)
        m = SHARD.match(original)
        pairs = [(f"{m.group(1)}-?????-of-{m.group(3)}" if m else original, summary["destination"])]
    if name == "seq_rnn_v1":
        assert metas == []  # no graph was committed with it
    else:
        assert metas and all(m["outcome"] == "rewritten" for m in metas), metas
    for stored, migrated in pairs:
        original = tf.train.load_checkpoint(stored)
        ours = tf.train.load_checkpoint(migrated)
        keys = original.get_variable_to_shape_map()
        assert set(ours.get_variable_to_shape_map()) == set(keys)
        for key in keys:
            theirs = tf_get(original, key)
            if theirs is not None:  # sliced V1 keys: compared through tfmeta's reading above
                assert ours.get_tensor(key).tobytes() == theirs.tobytes(), key
        meta = Path(migrated + ".meta")
        if not meta.exists():
            continue
        with tf.Graph().as_default() as g, tf1.Session(graph=g) as sess:
            saver = import_meta(meta)
            assert saver.saver_def.version == tf1.train.SaverDef.V2
            ops = {n.op for n in g.as_graph_def().node}
            assert not ops & {"SaveSlices", "RestoreSlice", "Restore", "ShardedFilespec"}, ops
            # The rewritten saver has the node structure of TF 2.21's own saver for
            # the same variables (the SessionBundle graph keeps its per-variable
            # RestoreV2 nodes, which read V2 already: its save side is compared).
            saved = [v for v in tf1.global_variables() if v.op.name in keys or (
                getattr(v, "_save_slice_info", None) and v._save_slice_info.full_name in keys)]
            reference = tf1.train.Saver(saved, sharded=saver.saver_def.sharded, name="reference")
            kept_restore = name == "serving_session_bundle_v1"
            scope = saver.saver_def.filename_tensor_name.rsplit("/", 1)[0]
            assert scope == "save"
            ours_structure = saver_structure(g.as_graph_def(), scope, saver.saver_def.filename_tensor_name, kept_restore)
            tf_structure = saver_structure(g.as_graph_def(), "reference", reference.saver_def.filename_tensor_name, kept_restore)
            assert ours_structure == tf_structure, (ours_structure - tf_structure, tf_structure - ours_structure)
            saver.restore(sess, migrated)
            restored = 0
            for v in tf1.global_variables():
                if v.op.name in keys:
                    assert sess.run(v).tobytes() == ours.get_tensor(v.op.name).tobytes(), v.op.name
                    restored += 1
            assert restored > 0
            # Saving through the migrated saver writes V2, equal to what was restored.
            (tmp_path / "resaved").mkdir(exist_ok=True)
            again = saver.save(sess, str(tmp_path / "resaved" / "model"))
        assert Path(again + ".index").exists() and not list((tmp_path / "resaved").glob("*_temp*"))
        resaved = tf.train.load_checkpoint(again)
        for key in resaved.get_variable_to_shape_map():
            assert resaved.get_tensor(key).tobytes() == ours.get_tensor(key).tobytes(), key


# ---------------------------------------------------------------- state files


@pytest.mark.parametrize("directory", STATES, ids=rel)
def test_state_show_and_latest_agree_with_tensorflow(directory):
    state = tf.train.get_checkpoint_state(str(directory))
    show = tfmeta("state", "show", directory, "--json", check=False)
    shown = json.loads(show.stdout)
    assert shown["checkpoints"][-1]["resolved"] == state.model_checkpoint_path
    assert [c["resolved"] for c in shown["checkpoints"]][: len(state.all_model_checkpoint_paths)] \
        == list(state.all_model_checkpoint_paths)
    latest = tf.train.latest_checkpoint(str(directory))
    p = tfmeta("state", "latest", directory, check=False)
    if latest is None:
        # A writer's /tmp path or a path relative to the writer's working directory:
        # TensorFlow finds nothing; every tfmeta command that resolves the directory
        # refuses alike, naming the stale path and the repair.
        assert shown["latest"] is None
        # state show reports the directory, then exits 1 naming the repair.
        assert show.returncode == 1 and "tfmeta state rebase" in shown["repair"], (show.returncode, shown.get("repair"))
        stored = state.model_checkpoint_path
        for args in (("state", "latest", directory), ("ckpt", "list", directory),
                     ("ckpt", "migrate", directory, "/tmp/never-written-by-test-wild")):
            q = tfmeta(*args, check=False)
            assert q.returncode == 1, (args, q.stdout)
            assert "but no file of it exists" in q.stderr and f"tfmeta state rebase {directory}" in q.stderr, q.stderr
            assert os.path.basename(stored) in q.stderr
        assert not os.path.exists("/tmp/never-written-by-test-wild")
    else:
        assert show.returncode == 0, show.stdout
        assert p.returncode == 0, p.stderr
        assert p.stdout.strip() == latest
        assert shown["latest"] == latest


def test_op_defs_added_to_the_stripped_op_list_are_tensorflows(tmp_path):
    """The OpDefs the rewrite adds are byte for byte what TF 2.21's
    export_meta_graph puts into stripped_op_list for its own sharded V2 saver."""
    src = WILD / "quant_contrib_learn_v1" / "model"
    tfmeta("ckpt", "migrate", src, tmp_path / "dst")
    before, after = meta_graph_pb2.MetaGraphDef(), meta_graph_pb2.MetaGraphDef()
    before.ParseFromString((src / "model.ckpt-4.meta").read_bytes())
    after.ParseFromString((tmp_path / "dst" / "model.ckpt-4.meta").read_bytes())
    old = {op.name for op in before.meta_info_def.stripped_op_list.op}
    added = {op.name: op for op in after.meta_info_def.stripped_op_list.op if op.name not in old}
    assert set(added) >= {"SaveV2", "RestoreV2", "MergeV2Checkpoints", "StringJoin", "StaticRegexFullMatch"}
    assert {"SaveSlices", "RestoreSlice", "ShardedFilespec"} & {op.name for op in after.meta_info_def.stripped_op_list.op} == set()
    names = [op.name for op in after.meta_info_def.stripped_op_list.op]
    assert names == sorted(names)
    with tf.Graph().as_default() as g:
        tf1.Variable(1.0, name="v", use_resource=False)
        reference = tf1.train.Saver(sharded=True)
        exported = tf1.train.export_meta_graph(graph=g, saver_def=reference.saver_def)
    theirs = {op.name: op for op in exported.meta_info_def.stripped_op_list.op}
    for name, op in added.items():
        assert op.SerializeToString() == theirs[name].SerializeToString(), name
