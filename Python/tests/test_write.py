"""tfmeta.save: what it writes reads back equal (TensorFlow restoring it is
checked in Tests/Interop/test_python_binding.py), and the output rules hold."""
import os

import numpy as np
import pytest

import tfmeta
from _support import CKPT


def test_round_trip_of_every_dtype(tmp_path):
    src = tfmeta.load(CKPT / "v2_dtypes")
    dtypes = tfmeta.open(CKPT / "v2_dtypes").dtypes
    # Without ml_dtypes, bfloat16 comes as uint16 bits and would be saved as uint16.
    arrays = {k: v for k, v in src.items() if tfmeta.numpy_dtype(dtypes[k]) is None or
              tfmeta.numpy_dtype(dtypes[k]).name == dtypes[k] or dtypes[k] == "string"}
    assert len(arrays) >= 40
    out = tfmeta.save(arrays, tmp_path / "ckpt", shards=3)
    assert out == str(tmp_path / "ckpt")
    assert sorted(os.listdir(tmp_path)) == ["ckpt.data-00000-of-00003", "ckpt.data-00001-of-00003",
                                            "ckpt.data-00002-of-00003", "ckpt.index"]
    with tfmeta.open(tmp_path / "ckpt") as f:
        assert f.verify() is None
        for k, v in arrays.items():
            assert f.dtypes[k] == dtypes[k]
            b = f.get_tensor(k)
            assert b.shape == v.shape
            if v.dtype == object:
                assert b.tolist() == v.tolist()
            else:
                assert b.tobytes() == v.tobytes(), k


def test_python_values_and_str(tmp_path):
    tfmeta.save({"a": [[1, 2], [3, 4]], "s": np.array(["x", "ü"]), "f": 1.5, "b": np.bytes_(b"\x00\xff")},
                tmp_path / "c")
    f = tfmeta.open(tmp_path / "c")
    assert f.dtypes == {"a": "int64", "b": "string", "f": "float64", "s": "string"}
    assert f.get_tensor("s").tolist() == [b"x", "ü".encode()]
    assert f.get_tensor("b").tolist() == b"\x00\xff"
    assert f.get_tensor("a").tolist() == [[1, 2], [3, 4]]


def test_existing_output_is_kept_without_overwrite(tmp_path):
    tfmeta.save({"a": np.zeros(3, np.float32)}, tmp_path / "c")
    before = (tmp_path / "c.index").read_bytes()
    with pytest.raises(tfmeta.UsageError) as e:
        tfmeta.save({"a": np.ones(3, np.float32)}, tmp_path / "c")
    assert e.value.code == "exists" and "c.index" in str(e.value)
    assert (tmp_path / "c.index").read_bytes() == before
    tfmeta.save({"a": np.ones(3, np.float32)}, tmp_path / "c", overwrite=True)
    assert (tfmeta.open(tmp_path / "c").get_tensor("a") == 1).all()
    assert sorted(os.listdir(tmp_path)) == ["c.data-00000-of-00001", "c.index"]


def test_bad_arguments_leave_nothing(tmp_path):
    with pytest.raises(tfmeta.NotFoundError):
        tfmeta.save({"a": np.zeros(1)}, tmp_path / "missing" / "c")
    with pytest.raises(tfmeta.UsageError) as e:
        tfmeta.save({"a": np.zeros(1)}, tmp_path / "c", shards=0)
    assert e.value.code == "invalid-argument"
    with pytest.raises(tfmeta.UsageError):
        tfmeta.save({"": np.zeros(1)}, tmp_path / "c")
    with pytest.raises(tfmeta.UsageError):
        tfmeta.save({"a": np.zeros(1, dtype="datetime64[s]")}, tmp_path / "c")
    assert os.listdir(tmp_path) == []
