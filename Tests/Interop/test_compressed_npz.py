"""Interop: npz files written by numpy's `np.savez_compressed` (deflated members)
are read by every command as `np.savez` files are: `ckpt list`, `show`, `verify`,
`diff` and `import` give numpy's values, and TensorFlow reads the imported
checkpoint value for value."""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from conftest import tfmeta  # noqa: E402
import tensorflow as tf  # noqa: E402


def arrays():
    rng = np.random.default_rng(31)
    return {
        "dense/kernel": rng.standard_normal((40, 30)).astype(np.float32),
        "dense/bias": rng.standard_normal(30).astype(np.float32),
        "conv/kernel": np.asfortranarray(rng.standard_normal((3, 3, 2, 4))),           # float64, Fortran order
        "half": rng.standard_normal((5, 7)).astype(np.float16),
        "ids": rng.integers(-2**40, 2**40, size=(6,), dtype=np.int64),
        "mask": rng.random(9) > 0.5,
        "step": np.int32(7),
        "names": np.array([b"alpha", b"", b"gamma"]),
        "zeros": np.zeros((512, 256), np.float32),   # 512 KiB that deflate about 1000:1 (under the 1 MiB floor of the cap)
    }


def test_compressed_npz_is_read_by_list_show_verify_diff_and_import(tmp_path):
    values = arrays()
    compressed, stored = tmp_path / "c.npz", tmp_path / "s.npz"
    np.savez_compressed(compressed, **values)
    np.savez(stored, **values)

    listing = {e["key"]: e for e in json.loads(tfmeta("ckpt", "list", compressed, "--json").stdout)}
    assert sorted(listing) == sorted(values)
    for k, v in values.items():
        assert listing[k]["shape"] == list(v.shape), k

    for key in ("dense/kernel", "conv/kernel", "ids", "mask"):
        shown = json.loads(tfmeta("ckpt", "show", compressed, key, "--json").stdout)
        np.testing.assert_array_equal(np.array(shown["values"], dtype=values[key].dtype), values[key])

    assert tfmeta("ckpt", "verify", compressed).stdout.startswith("OK: npz checkpoint")

    # Compressed and stored copies of the same arrays: identical, tensor by tensor.
    report = json.loads(tfmeta("ckpt", "diff", compressed, stored, "--json").stdout)
    assert report["equal"] is True
    assert all(t["status"] == "identical" for t in report["tensors"]), report["tensors"]

    # Imported: TensorFlow reads numpy's values.
    tfmeta("ckpt", "import", compressed, tmp_path / "ckpt" / "model")
    r = tf.train.load_checkpoint(str(tmp_path / "ckpt" / "model"))
    for k, v in values.items():
        got = r.get_tensor(k)
        if v.dtype.kind == "S":
            assert list(got) == list(v), k
        else:
            np.testing.assert_array_equal(got, v, err_msg=k)
            assert got.dtype == v.dtype, k


def test_a_damaged_compressed_member_is_reported(tmp_path):
    compressed = tmp_path / "c.npz"
    np.savez_compressed(compressed, w=np.arange(1000, dtype=np.float32))
    data = bytearray(compressed.read_bytes())
    data[120] ^= 0xFF   # inside the member's deflated bytes (after the 30 + 5-byte local header and its ZIP64 extra)
    (tmp_path / "bad.npz").write_bytes(bytes(data))
    p = tfmeta("ckpt", "verify", tmp_path / "bad.npz", check=False)
    assert p.returncode == 1
    assert "bad.npz" in p.stderr
