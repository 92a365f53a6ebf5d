"""Many data files on several cores: checkpoints TensorFlow writes in 8 shards
(SaveV2 per shard + MergeV2Checkpoints, as its sharded savers do) and V1 pattern
checkpoints (SaveSlices per shard file) are migrated and verified on 1 and on
several threads. The outputs must be identical byte for byte, TensorFlow must read
them back equal to the source, and a damaged shard must fail the same way on any
number of threads, leaving nothing behind."""
import json
import shutil
import uuid
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from conftest import tfmeta
from test_ckpt import read_safetensors

SHARDS = 8


def tensors():
    """Twelve 1.2 MB float32 tensors (past the 1 MiB the worker threads take), a
    few small ones and a string tensor."""
    rng = np.random.default_rng(17)
    out = {f"model/layer_{i:02d}/kernel": rng.standard_normal((300, 1000), dtype=np.float32) for i in range(12)}
    out.update({f"model/layer_{i:02d}/bias": rng.standard_normal(1000).astype(np.float32) for i in range(12)})
    out["global_step"] = np.array(1234, dtype=np.int64)
    out["model/vocab"] = np.array([b"alpha", b"beta", b""], dtype=object)
    return out


def save_sharded_v2(prefix, values, shards=SHARDS):
    """What TensorFlow's sharded savers do: one SaveV2 per shard into a temporary
    folder, then MergeV2Checkpoints into `prefix` (data files renamed to
    prefix.data-0000i-of-0000N, one index of every key)."""
    names = sorted(values)
    temp = Path(f"{prefix}_temp_{uuid.uuid4().hex}")
    temp.mkdir()
    parts = []
    for s in range(shards):
        mine = names[s::shards]
        part = str(temp / f"part-{s:05d}-of-{shards:05d}")
        tf.raw_ops.SaveV2(prefix=part, tensor_names=mine, shape_and_slices=[""] * len(mine),
                          tensors=[tf.constant(values[n]) for n in mine])
        parts.append(part)
    tf.raw_ops.MergeV2Checkpoints(checkpoint_prefixes=parts, destination_prefix=str(prefix), delete_old_dirs=True)
    shutil.rmtree(temp, ignore_errors=True)


def save_sharded_v1(pattern_prefix, values, shards=3):
    """A V1 checkpoint in `shards` files PREFIX-0000i-of-0000N, one SaveSlices per
    file, as the sharded V1 saver writes them (strings left out: not needed here)."""
    names = sorted(n for n in values if values[n].dtype != object)
    for s in range(shards):
        mine = names[s::shards]
        tf.raw_ops.SaveSlices(filename=f"{pattern_prefix}-{s:05d}-of-{shards:05d}", tensor_names=mine,
                              shapes_and_slices=[""] * len(mine), data=[tf.constant(values[n]) for n in mine])
    return f"{pattern_prefix}-?????-of-{shards:05d}"


def files(prefix):
    prefix = Path(prefix)
    return {p.name[len(prefix.name):]: p.read_bytes() for p in prefix.parent.glob(prefix.name + ".*")}


def assert_tf_reads(src, dst):
    a, b = tf.train.load_checkpoint(str(src)), tf.train.load_checkpoint(str(dst))
    shapes = a.get_variable_to_shape_map()
    assert set(shapes) == set(b.get_variable_to_shape_map())
    for key in shapes:
        x, y = np.asarray(a.get_tensor(key)), np.asarray(b.get_tensor(key))
        assert x.dtype == y.dtype and np.array_equal(x, y), key


@pytest.fixture(scope="module")
def sharded(tmp_path_factory):
    d = tmp_path_factory.mktemp("shards")
    values = tensors()
    save_sharded_v2(d / "model.ckpt", values)
    assert len(list(d.glob("model.ckpt.data-*-of-00008"))) == SHARDS
    return d / "model.ckpt", values


@pytest.mark.parametrize("out_shards", [1, 3])
def test_migrate_same_bytes_on_any_jobs_and_tensorflow_reads_it(sharded, tmp_path, out_shards):
    src, _ = sharded
    outputs = {}
    for jobs in (1, 2, 4):
        dst = tmp_path / f"jobs{jobs}"
        tfmeta("ckpt", "migrate", src, dst, "--shards", out_shards, "--jobs", jobs)
        outputs[jobs] = files(dst)
    assert len(outputs[1]) == out_shards + 1
    assert outputs[2] == outputs[1]
    assert outputs[4] == outputs[1]
    assert_tf_reads(src, tmp_path / "jobs2")


def test_v1_pattern_migrates_the_same_on_any_jobs(tmp_path):
    values = tensors()
    pattern = save_sharded_v1(tmp_path / "v1", values)
    outs = []
    for jobs in (1, 2):
        dst = tmp_path / f"v2_jobs{jobs}"
        tfmeta("ckpt", "migrate", pattern, dst, "--jobs", jobs)
        outs.append(files(dst))
    assert outs[0] == outs[1]
    assert_tf_reads(pattern, tmp_path / "v2_jobs2")
    a = json.loads(tfmeta("ckpt", "verify", pattern, "--json", "--jobs", 1).stdout)
    b = json.loads(tfmeta("ckpt", "verify", pattern, "--json", "--jobs", 2).stdout)
    assert a == b and a["ok"] and a["tensors"] == len(values) - 1


def test_verify_and_export_of_eight_shards(sharded, tmp_path):
    src, values = sharded
    one = json.loads(tfmeta("ckpt", "verify", src, "--json", "--jobs", 1).stdout)
    two = json.loads(tfmeta("ckpt", "verify", src, "--json", "--jobs", 2).stdout)
    assert one == two and one["ok"] and one["tensors"] == len(values)
    tfmeta("ckpt", "export", src, tmp_path / "out.safetensors")
    exported = read_safetensors(tmp_path / "out.safetensors")
    reader = tf.train.load_checkpoint(str(src))
    for key, (_, _, array) in exported.items():
        assert np.array_equal(array, reader.get_tensor(key)), key
    assert set(exported) == set(values) - {"model/vocab"}


def damaged_copy(src, dst_dir, shard):
    """A copy of the checkpoint with one byte of the first payload in data file
    `shard` flipped; returns (prefix, that data file's path)."""
    for p in src.parent.glob(src.name + ".*"):
        shutil.copy(p, dst_dir / p.name)
    prefix = dst_dir / src.name
    # The data file's first payload starts at byte 0: flip a byte inside it.
    path = dst_dir / f"{src.name}.data-{shard:05d}-of-{SHARDS:05d}"
    data = bytearray(path.read_bytes())
    data[100] ^= 0x10
    path.write_bytes(data)
    return prefix, path


def test_damaged_shard_fails_the_same_on_any_jobs(sharded, tmp_path):
    src, _ = sharded
    (tmp_path / "in").mkdir()
    # Shard 2 holds layer_00, _04 and _08's kernels (every 8th sorted key from the
    # third): the damaged payload is one the worker threads copy.
    prefix, bad = damaged_copy(src, tmp_path / "in", 2)
    errors = []
    for jobs in (1, 2, 4):
        dst = tmp_path / f"out{jobs}"
        p = tfmeta("ckpt", "migrate", prefix, dst, "--jobs", jobs, "--shards", 2, check=False)
        assert p.returncode == 1, p.stderr
        errors.append(p.stderr)
        assert str(bad) in p.stderr and "checksum mismatch" in p.stderr, p.stderr
        assert not list(tmp_path.glob(f"out{jobs}*")), "output left behind"
        assert not [q for q in tmp_path.rglob("*") if "tempstate" in q.name], "temporary left behind"
    assert errors[0] == errors[1] == errors[2]
    one = json.loads(tfmeta("ckpt", "verify", prefix, "--json", "--jobs", 1, check=False).stdout)
    two = json.loads(tfmeta("ckpt", "verify", prefix, "--json", "--jobs", 2, check=False).stdout)
    assert one == two and not one["ok"] and len(one["problems"]) == 1
    assert str(bad) in one["problems"][0]["message"]
    # TensorFlow agrees that the tensor in that file is damaged.
    with pytest.raises(Exception, match="(?i)checksum|crc|corrupt|data loss"):
        reader = tf.train.load_checkpoint(str(prefix))
        for key in reader.get_variable_to_shape_map():
            reader.get_tensor(key)


def test_jobs_must_be_positive(sharded, tmp_path):
    src, _ = sharded
    p = tfmeta("ckpt", "migrate", src, tmp_path / "x", "--jobs", 0, check=False)
    assert p.returncode == 2 and "--jobs" in p.stderr


def test_per_shard_units_merged_by_tensorflow(sharded, tmp_path):
    """The unit of a migration spread over machines: `--source-shard I` copies what
    data file I holds into a V2 checkpoint of its own; TensorFlow's
    MergeV2Checkpoints (what its sharded savers run last) merges the units, and the
    result reads back equal to the source."""
    src, values = sharded
    parts = []
    for i in range(SHARDS):
        part = tmp_path / "parts" / f"part-{i:05d}-of-{SHARDS:05d}"
        part.parent.mkdir(exist_ok=True)
        tfmeta("ckpt", "migrate", src, part, "--source-shard", i, "--jobs", 2)
        parts.append(str(part))
    listed = [k for p in parts for k, _ in tf.train.list_variables(p)]
    assert sorted(listed) == sorted(values), "every tensor in exactly one unit"
    tf.raw_ops.MergeV2Checkpoints(checkpoint_prefixes=parts, destination_prefix=str(tmp_path / "merged"),
                                  delete_old_dirs=True)
    assert_tf_reads(src, tmp_path / "merged")
    assert json.loads(tfmeta("ckpt", "verify", tmp_path / "merged", "--json").stdout)["ok"]
    p = tfmeta("ckpt", "migrate", src, tmp_path / "bad", "--source-shard", SHARDS, check=False)
    assert p.returncode == 1 and "there is no data file 8" in p.stderr and f"{src}.index" in p.stderr, p.stderr
    assert not list(tmp_path.glob("bad*"))


def units(src, folder, count):
    """`--source-shard I` for every data file of `src`, into `folder`."""
    folder.mkdir(exist_ok=True)
    parts = []
    for i in range(count):
        part = folder / f"part-{i:05d}-of-{count:05d}"
        tfmeta("ckpt", "migrate", src, part, "--source-shard", i)
        parts.append(str(part))
    return parts


@pytest.mark.parametrize("source", ["sharded", "sliced"])
def test_merge_writes_what_tensorflow_merges_byte_for_byte(sharded, tmp_path, source):
    """`ckpt merge` of the units against TensorFlow's MergeV2Checkpoints of copies of
    the same units: the same index bytes and data files, the parts left untouched
    (TensorFlow's op renames them away), and the result read back equal to the
    source. `sliced` is a partitioned variable whose slices are in several units,
    whose containers the merge must join."""
    from conftest import FIXTURES
    src = sharded[0] if source == "sharded" else FIXTURES / "ckpt" / "v2_sliced_tf2"
    count = SHARDS if source == "sharded" else 3
    ours = units(src, tmp_path / "ours", count)
    theirs_dir = tmp_path / "theirs"
    shutil.copytree(tmp_path / "ours", theirs_dir)
    theirs = [str(theirs_dir / Path(p).name) for p in ours]
    before = {p: files(p) for p in ours}
    p = tfmeta("ckpt", "merge", *ours, tmp_path / "merged", "--json")
    report = json.loads(p.stdout)
    assert report["data_files"] == count and report["linked_data_files"] == count
    assert {p: files(p) for p in ours} == before, "the parts must not change"
    tf.raw_ops.MergeV2Checkpoints(checkpoint_prefixes=theirs, destination_prefix=str(theirs_dir / "merged"))
    assert files(tmp_path / "merged") == files(theirs_dir / "merged")
    assert_tf_reads(src, tmp_path / "merged")
    assert json.loads(tfmeta("ckpt", "verify", tmp_path / "merged", "--json").stdout)["ok"]


def test_merge_refuses_what_tensorflow_refuses_and_leaves_nothing(sharded, tmp_path):
    src, values = sharded
    parts = units(src, tmp_path / "parts", 2)   # what data files 0 and 1 hold
    held = {k for p in parts for k, _ in tf.train.list_variables(p)}
    # A missing part names its index.
    p = tfmeta("ckpt", "merge", parts[0], parts[1], parts[0] + "_gone", tmp_path / "m", check=False)
    assert p.returncode == 1 and f"{parts[0]}_gone.index" in p.stderr, p.stderr
    # The same tensor held whole by two parts.
    tfmeta("ckpt", "rename", parts[0], tmp_path / "dup", "--rule", "^$=>")
    p = tfmeta("ckpt", "merge", parts[0], tmp_path / "dup", tmp_path / "m", check=False)
    assert p.returncode == 1 and "is also in an earlier part" in p.stderr and "dup.index" in p.stderr, p.stderr
    with pytest.raises(Exception, match="Duplicate tensor"):
        tf.raw_ops.MergeV2Checkpoints(checkpoint_prefixes=[parts[0], str(tmp_path / "dup")],
                                      destination_prefix=str(tmp_path / "tfm"))
    assert not list(tmp_path.glob("m.*")) and not list(tmp_path.glob("m.*.tmp*"))
    # A part given twice, and no part at all.
    p = tfmeta("ckpt", "merge", parts[0], parts[0], tmp_path / "m", check=False)
    assert p.returncode == 1 and "given twice" in p.stderr
    assert tfmeta("ckpt", "merge", tmp_path / "m", check=False).returncode == 2
    # An existing destination needs --overwrite; --remove-parts deletes the parts only after success.
    tfmeta("ckpt", "merge", *parts, tmp_path / "m")
    p = tfmeta("ckpt", "merge", *parts, tmp_path / "m", check=False)
    assert p.returncode == 1 and "--overwrite" in p.stderr
    tfmeta("ckpt", "merge", *parts, tmp_path / "m", "--overwrite", "--remove-parts")
    assert not list((tmp_path / "parts").iterdir())
    reader = tf.train.load_checkpoint(str(tmp_path / "m"))
    assert set(reader.get_variable_to_shape_map()) == held
    for key in reader.get_variable_to_shape_map():
        assert np.array_equal(np.asarray(reader.get_tensor(key)), values[key]), key


def test_merge_across_file_systems_copies(sharded, tmp_path):
    """Where a hard link cannot be made (another file system: /dev/shm is tmpfs), the
    data files are copied, and the result is the same checkpoint."""
    import os
    import tempfile
    assert os.stat("/dev/shm").st_dev != os.stat(tmp_path).st_dev, "this test needs /dev/shm on another file system"
    src, _ = sharded
    parts = units(src, tmp_path / "parts", SHARDS)
    tfmeta("ckpt", "merge", *parts, tmp_path / "linked")
    with tempfile.TemporaryDirectory(dir="/dev/shm") as other:
        report = json.loads(tfmeta("ckpt", "merge", *parts, Path(other) / "copied", "--json").stdout)
        assert report["linked_data_files"] == 0 and report["data_files"] == SHARDS
        assert files(Path(other) / "copied") == files(tmp_path / "linked")
        assert_tf_reads(src, Path(other) / "copied")


def test_v1_pattern_units_merged(tmp_path):
    """`--source-shard I` on a V1 pattern takes file I; the merged units read back
    equal in TensorFlow to the tensors saved, and `ckpt diff` finds the fixture's
    partitioned variable (one slice per file) whole again after the merge."""
    values = {k: v for k, v in tensors().items() if v.dtype != object}
    (tmp_path / "v1").mkdir()
    pattern = save_sharded_v1(str(tmp_path / "v1" / "model"), values)
    parts = units(pattern, tmp_path / "parts", 3)
    assert sorted(k for p in parts for k, _ in tf.train.list_variables(p)) == sorted(values)
    tfmeta("ckpt", "merge", *parts, tmp_path / "merged")
    reader = tf.train.load_checkpoint(str(tmp_path / "merged"))
    assert set(reader.get_variable_to_shape_map()) == set(values)
    for key, value in values.items():
        assert np.array_equal(reader.get_tensor(key), value), key
    from conftest import FIXTURES
    fixture = str(FIXTURES / "ckpt" / "v1_sharded-?????-of-00003")
    fparts = units(fixture, tmp_path / "fparts", 3)
    tfmeta("ckpt", "merge", *fparts, tmp_path / "fmerged")
    report = json.loads(tfmeta("ckpt", "diff", fixture, tmp_path / "fmerged", "--json").stdout)
    assert report["equal"] and report["counts"]["identical"] == 3
    p = tfmeta("ckpt", "migrate", fixture, tmp_path / "bad", "--source-shard", 3, check=False)
    assert p.returncode == 1 and "there is no file 3" in p.stderr
