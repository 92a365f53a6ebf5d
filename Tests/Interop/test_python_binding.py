"""The `tfmeta` Python package (Python/tfmeta, over libTFMetaC) judged by
TensorFlow in one process: every tensor of every checkpoint fixture equals what
TensorFlow reads (RestoreV2 for the sliced V1 tensors its Python reader refuses),
list_variables equals tf.train.list_variables, and what tfmeta.save writes
TensorFlow restores. This venv has ml_dtypes, so bfloat16 comes as ml_dtypes'
type here; the clean-venv run of Python/tests covers the path without it.

The library is TFMETA_LIBRARY, by default the debug build's
.build/debug/libTFMetaC.so (`swift build --product TFMetaC`)."""
import os
import sys

import numpy as np
import pytest
import tensorflow as tf

from conftest import FIXTURES, ROOT

os.environ.setdefault("TFMETA_LIBRARY", str(ROOT / ".build" / "debug" / "libTFMetaC.so"))
assert os.path.exists(os.environ["TFMETA_LIBRARY"]), \
    f"{os.environ['TFMETA_LIBRARY']} is not built (swift build --product TFMetaC, or set TFMETA_LIBRARY)"
sys.path.insert(0, str(ROOT / "Python"))
import tfmeta  # noqa: E402

CKPT = FIXTURES / "ckpt"
PREFIXES = sorted({p.name.split(".")[0] for p in CKPT.glob("*.expected.json")})
PREFIXES = [p if p != "v1_sharded" else "v1_sharded-?????-of-00003" for p in PREFIXES]
PREFIXES += [str(FIXTURES / "saved_model" / "variables" / "variables")]


def tf_read(prefix, key, dtype):
    try:
        value = tf.train.load_checkpoint(prefix).get_tensor(key)
        if isinstance(value, bytes):  # a string scalar comes as bytes, not an array
            out = np.empty((), dtype=object)
            out[()] = value
            return out
        return value
    except Exception:
        (value,) = tf.raw_ops.RestoreV2(prefix=prefix, tensor_names=[key], shape_and_slices=[""], dtypes=[dtype])
        return value.numpy()


def same(ours, theirs):
    if theirs.dtype == object or ours.dtype == object:
        return ours.shape == theirs.shape and ours.reshape(-1).tolist() == theirs.reshape(-1).tolist()
    return ours.shape == theirs.shape and ours.dtype.itemsize == theirs.dtype.itemsize and \
        np.ascontiguousarray(ours).tobytes() == np.ascontiguousarray(theirs).tobytes()


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_tensor_equals_tensorflow(prefix):
    path = str(CKPT / prefix)
    reader = tf.train.load_checkpoint(path)
    dtypes = reader.get_variable_to_dtype_map()
    shapes = reader.get_variable_to_shape_map()
    with tfmeta.open(path) as f:
        assert set(f.keys()) == set(dtypes)
        for key in f.keys():
            assert f.dtypes[key] == dtypes[key].name, key
            assert f.shapes[key] == list(shapes[key]), key
            ours = f.get_tensor(key)
            theirs = tf_read(path, key, dtypes[key])
            assert same(ours, theirs), key
            if dtypes[key] == tf.bfloat16:
                assert ours.dtype == theirs.dtype  # ml_dtypes.bfloat16 on both sides


@pytest.mark.parametrize("prefix", PREFIXES)
def test_list_variables_equals_tensorflow(prefix):
    path = str(CKPT / prefix)
    assert tfmeta.list_variables(path) == [(k, list(s)) for k, s in tf.train.list_variables(path)]


def test_sliced_v1_which_tensorflows_reader_refuses():
    path = str(CKPT / "v1_partitioned")
    with pytest.raises(Exception, match="Sliced checkpoints are not supported"):
        tf.train.load_checkpoint(path).get_tensor("scope/part")
    (value,) = tf.raw_ops.RestoreV2(prefix=path, tensor_names=["scope/part"], shape_and_slices=[""], dtypes=[tf.float32])
    assert np.array_equal(tfmeta.open(path).get_tensor("scope/part"), value.numpy())


def test_save_is_restored_by_tensorflow(tmp_path):
    import ml_dtypes
    arrays = {
        "w": np.arange(12, dtype=np.float32).reshape(3, 4),
        "b16": np.array([1.5, -2.0, np.inf], dtype=ml_dtypes.bfloat16),
        "h": np.array([0.5, np.nan], dtype=np.float16),
        "c": np.array([1 + 2j], dtype=np.complex128),
        "i": np.array([-(2 ** 63), 2 ** 63 - 1], dtype=np.int64),
        "u": np.array([2 ** 32 - 1], dtype=np.uint32),
        "flag": np.array([True, False]),
        "names": np.array([b"a", b"", b"\xff\x00"], dtype=object),
        "scalar": np.int8(-3),
        "empty": np.zeros((0, 5), np.float64),
    }
    for shards in (1, 3):
        prefix = str(tmp_path / f"ckpt{shards}")
        tfmeta.save(arrays, prefix, shards=shards)
        reader = tf.train.load_checkpoint(prefix)
        dtypes = reader.get_variable_to_dtype_map()
        assert set(dtypes) == set(arrays)
        for key, value in arrays.items():
            theirs = reader.get_tensor(key)
            assert same(np.asarray(value), np.asarray(theirs)), key
            assert dtypes[key].name == tfmeta.open(prefix).dtypes[key]
        # Restored by the op TensorFlow's savers run.
        names = sorted(arrays)
        restored = tf.raw_ops.RestoreV2(prefix=prefix, tensor_names=names, shape_and_slices=[""] * len(names),
                                        dtypes=[dtypes[n] for n in names])
        for n, t in zip(names, restored):
            assert same(np.asarray(arrays[n]), t.numpy()), n
    # And into variables, as tf.train.Checkpoint-free code restores them.
    v = tf.Variable(tf.zeros([3, 4]))
    v.assign(tf.train.load_checkpoint(str(tmp_path / "ckpt1")).get_tensor("w"))
    assert np.array_equal(v.numpy(), arrays["w"])
