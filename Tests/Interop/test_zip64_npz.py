"""Interop: `ckpt export … OUT.npz` writes ZIP64 where a zip needs it (issue 17),
and numpy and Python's zipfile are the judges: a checkpoint of 70,000 tensors
made by TensorFlow's SaveV2 (more members than a zip without ZIP64 can count)
exports to an npz that `np.load` reads with equal keys and values and that
`zipfile.testzip()` finds whole; small archives forced to ZIP64 in every field,
or in only some (`MGK_TEST_ZIP64_THRESHOLD`, a debug-build test hook standing in
for 4 GiB members and offsets), are read by numpy too."""
import os
import struct
import subprocess
import zipfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from conftest import TFMETA, tfmeta  # noqa: E402
import tensorflow as tf  # noqa: E402

ZIP64_END = b"PK\x06\x06"
ZIP64_LOCATOR = b"PK\x06\x07"


def save_v2(prefix, names, tensors):
    tf.raw_ops.SaveV2(prefix=str(prefix), tensor_names=names, shape_and_slices=[""] * len(names), tensors=tensors)


def end_record(path):
    """The classic end record's (entries, directory size, directory offset)."""
    data = path.read_bytes()
    assert data[-22:-18] == b"PK\x05\x06"
    return struct.unpack("<HII", data[-12:-2]), data


def test_70000_tensors_export_to_an_npz_numpy_reads(tmp_path):
    n = 70_000
    names = [f"model/block_{i // 1000:03d}/var_{i % 1000:04d}" for i in range(n)]
    values = np.random.default_rng(17).standard_normal((n, 3), dtype=np.float32)
    values[:, 0] = np.arange(n)  # every tensor distinct
    save_v2(tmp_path / "many", names, list(values))

    out = tmp_path / "many.npz"
    tfmeta("ckpt", "export", tmp_path / "many", out)

    (count, _, _), data = end_record(out)
    assert count == 0xFFFF  # the count is in the ZIP64 end record
    assert ZIP64_END in data[-22 - 20 - 56:] and data[-42:-38] == ZIP64_LOCATOR

    with zipfile.ZipFile(out) as z:
        assert z.testzip() is None  # every member's CRC-32
        infos = z.infolist()
        assert len(infos) == n + 1  # and the __tfmeta__.json note
        # Every member's array bytes (the .npy data end each stored member).
        by_name = {i.filename: i for i in infos}
        wrong = [k for i, k in enumerate(names) if z.read(by_name[k + ".npy"])[-12:] != values[i].tobytes()]
    assert wrong == []

    # numpy's own reader: every key, and the values of one tensor in 10 (all of
    # them through np.load take 10 s) with their dtype and shape.
    with np.load(out) as npz:
        keys = sorted(k for k in npz.files if k != "__tfmeta__.json")
        assert keys == sorted(names)
        for i in list(range(0, n, 10)) + [n - 1]:
            got = npz[names[i]]
            assert got.dtype == np.float32 and got.shape == (3,)
            assert np.array_equal(got, values[i]), names[i]


def small_checkpoint(tmp_path):
    rng = np.random.default_rng(5)
    tensors = {
        "dense/kernel": rng.standard_normal((4, 3)).astype(np.float32),
        "dense/bias": rng.standard_normal(3).astype(np.float64),
        "step": np.int64(42),
        "ids": rng.integers(-100, 100, size=(2, 5), dtype=np.int32),
    }
    save_v2(tmp_path / "small", list(tensors), [tf.constant(v) for v in tensors.values()])
    return tmp_path / "small", tensors


def export_with_threshold(prefix, out, threshold):
    env = dict(os.environ)
    if threshold is None:
        env.pop("MGK_TEST_ZIP64_THRESHOLD", None)
    else:
        env["MGK_TEST_ZIP64_THRESHOLD"] = str(threshold)
    p = subprocess.run([TFMETA, "ckpt", "export", str(prefix), str(out)], capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr


@pytest.mark.parametrize("threshold", [0, 200])
def test_small_archive_forced_to_zip64_is_read_by_numpy(tmp_path, threshold):
    prefix, tensors = small_checkpoint(tmp_path)
    plain, forced = tmp_path / "plain.npz", tmp_path / f"forced{threshold}.npz"
    export_with_threshold(prefix, plain, None)
    export_with_threshold(prefix, forced, threshold)

    (_, plain_bytes), ((count, size, offset), forced_bytes) = end_record(plain), end_record(forced)
    assert ZIP64_END not in plain_bytes  # a small archive stays a plain zip
    assert forced_bytes[-42:-38] == ZIP64_LOCATOR and ZIP64_END in forced_bytes
    assert offset == 0xFFFFFFFF and size == 0xFFFFFFFF
    assert count == (0xFFFF if threshold == 0 else len(tensors) + 1)

    with zipfile.ZipFile(forced) as z:
        assert z.testzip() is None
        infos = [i for i in z.infolist() if i.filename.endswith(".npy")]
        # The ZIP64 extra field (id 1) is where a size or offset reaches the threshold.
        with_zip64 = [i.filename for i in infos if i.file_size >= threshold or i.header_offset >= threshold]
        assert with_zip64 and all(struct.unpack("<H", i.extra[:2])[0] == 1 for i in infos if i.filename in with_zip64)
        if threshold:
            assert any(not i.extra for i in infos)  # and only there
    with np.load(forced) as npz, np.load(plain) as reference:
        for k, v in tensors.items():
            np.testing.assert_array_equal(npz[k], v)
            assert npz[k].dtype == v.dtype
            np.testing.assert_array_equal(npz[k], reference[k])
