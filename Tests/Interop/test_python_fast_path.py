"""The `tfmeta` Python package's fast path over many small tensors (issue 14),
judged by TensorFlow: a checkpoint TensorFlow's SaveV2 writes with 1,500 small
variables of several dtypes and shapes (scalars among them) under keys in
multi-byte UTF-8 reads the same through tfmeta, in the order keys() lists them
(entries found by their place) and in any other (found by key), and a payload
damaged in the middle of the one bulk check fails for that key alone, in both
readers, while every other tensor still equals TensorFlow's.

The library is TFMETA_LIBRARY, by default .build/debug/libTFMetaC.so."""
import os
import random
import sys

import numpy as np
import pytest
import tensorflow as tf

from conftest import ROOT

os.environ.setdefault("TFMETA_LIBRARY", str(ROOT / ".build" / "debug" / "libTFMetaC.so"))
assert os.path.exists(os.environ["TFMETA_LIBRARY"]), \
    f"{os.environ['TFMETA_LIBRARY']} is not built (swift build --product TFMetaC, or set TFMETA_LIBRARY)"
sys.path.insert(0, str(ROOT / "Python"))
import tfmeta  # noqa: E402

N = 1500


def save_many_small(prefix):
    """SaveV2 of N small tensors: float32[8, 8], float64 and int32 scalars,
    int64[3], bfloat16[4], under keys with 2-, 3- and 4-byte UTF-8 characters.
    Returns {key: the numpy value written}."""
    rng = np.random.default_rng(14)
    values = {}
    for i in range(N):
        key = f"модель/блок_{i // 10:03d}/变量_{i % 10}" + ("/😀" if i % 7 == 0 else "")
        kind = i % 6
        if kind == 1:
            values[key] = np.float64(rng.standard_normal())
        elif kind == 2:
            values[key] = np.int32(rng.integers(-2 ** 31, 2 ** 31))
        elif kind == 3:
            values[key] = rng.integers(-2 ** 40, 2 ** 40, 3)
        elif kind == 4:
            values[key] = tf.constant(rng.standard_normal(4), tf.bfloat16).numpy()
        else:
            values[key] = rng.standard_normal((8, 8), dtype=np.float32)
    names = list(values)
    tf.raw_ops.SaveV2(prefix=prefix, tensor_names=names, shape_and_slices=[""] * len(names),
                      tensors=[tf.constant(values[k]) for k in names])
    return values


def same(ours, theirs):
    return (ours.shape == theirs.shape and ours.dtype == theirs.dtype
            and np.ascontiguousarray(ours).tobytes() == np.ascontiguousarray(theirs).tobytes())


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    prefix = str(tmp_path_factory.mktemp("many") / "ckpt")
    save_many_small(prefix)
    reader = tf.train.load_checkpoint(prefix)
    theirs = {k: reader.get_tensor(k) for k in reader.get_variable_to_shape_map()}
    return prefix, theirs


@pytest.mark.parametrize("order", ["listed", "reversed", "shuffled"])
def test_many_small_tensors_equal_tensorflow_in_any_order(many, order):
    prefix, theirs = many
    with tfmeta.open(prefix) as f:
        keys = f.keys()
        assert sorted(keys) == sorted(theirs)
        assert any(len(k.encode()) - len(k) >= 9 for k in keys)  # 2-, 3- and 4-byte characters
        ask = {"listed": keys, "reversed": keys[::-1],
               "shuffled": random.Random(14).sample(keys, len(keys))}[order]
        views = 0
        for k in ask:
            ours = f.get_tensor(k)
            assert same(ours, theirs[k]), k
            assert f.dtypes[k] == tf.as_dtype(theirs[k].dtype).name, k
            views += not ours.flags.owndata and not ours.flags.writeable
        # Most are views of the mapped file (the rest sit at offsets their dtype
        # cannot use in place and are copies).
        assert views > N // 2, views


def test_a_payload_damaged_in_the_middle_fails_alone_in_both_readers(many, tmp_path):
    prefix, theirs = many
    copy = str(tmp_path / "ckpt")
    for suffix in (".index", ".data-00000-of-00001"):
        with open(prefix + suffix, "rb") as src, open(copy + suffix, "wb") as dst:
            dst.write(src.read())
    keys = sorted(theirs, key=lambda k: k.encode())
    bad = next(k for k in keys[N // 2:] if theirs[k].shape == (8, 8))
    data = bytearray(open(copy + ".data-00000-of-00001", "rb").read())
    at = bytes(data).find(theirs[bad].tobytes())
    assert at >= 0
    data[at + 37] ^= 0x08
    open(copy + ".data-00000-of-00001", "wb").write(bytes(data))

    reader = tf.train.load_checkpoint(copy)
    with pytest.raises(tf.errors.OpError, match="Checksum does not match"):
        reader.get_tensor(bad)
    with tfmeta.open(copy) as f:
        for k in f.keys():
            if k == bad:
                with pytest.raises(tfmeta.ChecksumError):
                    f.get_tensor(k)
            else:
                assert same(f.get_tensor(k), reader.get_tensor(k)), k
