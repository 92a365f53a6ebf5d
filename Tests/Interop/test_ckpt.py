"""Checkpoints: tfmeta reads what TensorFlow wrote, value for value, judged by
TensorFlow reading the same files now (not only by the recorded expectations)."""
import json
import struct

import numpy as np
import pytest
import tensorflow as tf

from conftest import FIXTURES

CKPT = FIXTURES / "ckpt"
PREFIXES = sorted(json.loads(p.read_text())["prefix"] for p in CKPT.glob("*.expected.json"))

SAFETENSORS_DTYPES = {
    "F16": np.float16, "F32": np.float32, "F64": np.float64, "I8": np.int8, "I16": np.int16,
    "I32": np.int32, "I64": np.int64, "U8": np.uint8, "U16": np.uint16, "U32": np.uint32,
    "U64": np.uint64, "BOOL": np.bool_,
}


def read_safetensors(path):
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for key, info in header.items():
        if key == "__metadata__":
            continue
        start, end = info["data_offsets"]
        raw = body[start:end]
        if info["dtype"] == "BF16":
            out[key] = ("bfloat16", info["shape"], raw)
        else:
            out[key] = (info["dtype"], info["shape"], np.frombuffer(raw, SAFETENSORS_DTYPES[info["dtype"]]).reshape(info["shape"]))
    return out


def tf_value(reader, key):
    """What TensorFlow reads for key; sliced V1 tensors through RestoreV2, the only
    TensorFlow path that assembles them."""
    try:
        return reader.get_tensor(key)
    except Exception:
        return None


def test_there_are_checkpoint_fixtures():
    assert len(PREFIXES) >= 10, PREFIXES


@pytest.mark.parametrize("prefix", PREFIXES)
def test_list_agrees_with_tensorflow(tfm, prefix):
    _, out, _ = tfm("ckpt", "list", CKPT / prefix, "--json")
    ours = {e["key"]: (e["dtype"], e["shape"]) for e in json.loads(out)}
    theirs = {k: s for k, s in tf.train.list_variables(str(CKPT / prefix))}
    dtypes = tf.train.load_checkpoint(str(CKPT / prefix)).get_variable_to_dtype_map()
    assert set(ours) == set(theirs)
    for key, shape in theirs.items():
        assert ours[key] == (dtypes[key].name, list(shape)), key


@pytest.mark.parametrize("prefix", PREFIXES)
def test_safetensors_export_equals_what_tensorflow_reads(tfm, tmp_path, prefix):
    out = tmp_path / "out.safetensors"
    tfm("ckpt", "export", CKPT / prefix, out)
    exported = read_safetensors(out)
    reader = tf.train.load_checkpoint(str(CKPT / prefix))
    dtypes = reader.get_variable_to_dtype_map()
    compared = 0
    for key, dtype in dtypes.items():
        if dtype in (tf.string, tf.complex64, tf.complex128, tf.resource, tf.variant):
            assert key not in exported, f"{key} ({dtype.name}) cannot be held by safetensors"
            continue
        assert key in exported, f"{key} ({dtype.name}) missing from the export"
        value = tf_value(reader, key)
        if value is None:
            continue  # TensorFlow's Python reader refuses it (sliced V1): see the next test
        kind, shape, ours = exported[key]
        assert list(shape) == list(value.shape), key
        if kind == "bfloat16":
            assert ours == value.tobytes(), key
        else:
            assert ours.tobytes() == np.ascontiguousarray(value).tobytes(), key
        compared += 1
    assert compared > 0


@pytest.mark.parametrize("prefix", [p for p in PREFIXES if p.startswith("v1_")])
def test_sliced_v1_tensors_equal_what_restore_v2_assembles(tfm, tmp_path, prefix):
    """TensorFlow's Python reader cannot read sliced V1 tensors; RestoreV2 can."""
    reader = tf.train.load_checkpoint(str(CKPT / prefix))
    dtypes = reader.get_variable_to_dtype_map()
    shapes = reader.get_variable_to_shape_map()
    for key, dtype in dtypes.items():
        if tf_value(reader, key) is not None or dtype == tf.string:
            continue
        (value,) = tf.raw_ops.RestoreV2(prefix=str(CKPT / prefix), tensor_names=[key],
                                       shape_and_slices=[""], dtypes=[dtype])
        _, out, _ = tfm("ckpt", "show", CKPT / prefix, key, "--json")
        ours = json.loads(out)
        assert ours["shape"] == list(shapes[key])
        if dtype.is_complex:
            flat = np.array(ours["values"], dtype=np.float64).reshape(-1, 2)
            ours_values = flat[:, 0] + 1j * flat[:, 1]
        else:
            ours_values = np.array(ours["values"], dtype=np.float64 if dtype.is_floating else None)
        np.testing.assert_array_equal(np.asarray(ours_values).reshape(-1).astype(value.numpy().dtype),
                                      value.numpy().reshape(-1))


@pytest.mark.parametrize("prefix", PREFIXES)
def test_verify_accepts_every_tensorflow_checkpoint(tfm, prefix):
    code, out, err = tfm("ckpt", "verify", CKPT / prefix)
    assert code == 0 and out.startswith("OK: "), err


def test_verify_finds_a_flipped_byte(tfm, tmp_path):
    for f in CKPT.glob("v2_dtypes.*"):
        if f.suffix != ".json":
            (tmp_path / f.name).write_bytes(f.read_bytes())
    data = bytearray((tmp_path / "v2_dtypes.data-00000-of-00001").read_bytes())
    data[len(data) // 2] ^= 0x40
    (tmp_path / "v2_dtypes.data-00000-of-00001").write_bytes(bytes(data))
    code, out, err = tfm("ckpt", "verify", tmp_path / "v2_dtypes", check=False)
    assert code == 1
    assert "checksum" in err


def test_large_v1_tensors_export_verbatim_and_checked(tfm, tmp_path):
    """V1 tensors of 1 MiB or more are copied from the file without decoding (float,
    double: packed values); the export still equals what TensorFlow reads, and a
    flipped byte inside such a payload fails the export with nothing written."""
    src = tmp_path / "big_v1"
    rng = np.random.default_rng(7)
    values = {"f32": rng.standard_normal((512, 1024)).astype(np.float32),
              "f64": rng.standard_normal((300, 1000)),
              "i32": rng.integers(-9, 9, (512, 600), dtype=np.int32)}  # varints: decoded
    tf.raw_ops.SaveSlices(filename=str(src), tensor_names=list(values), shapes_and_slices=[""] * 3,
                          data=[tf.constant(v) for v in values.values()])
    out = tmp_path / "out.safetensors"
    tfm("ckpt", "export", src, out)
    exported = read_safetensors(out)
    for key, value in values.items():
        assert exported[key][2].tobytes() == value.tobytes(), key

    raw = bytearray(src.read_bytes())
    at = raw.find(values["f32"][100].tobytes())
    assert at > 0
    raw[at + 5] ^= 0x01
    bad = tmp_path / "bad_v1"
    bad.write_bytes(bytes(raw))
    bad_out = tmp_path / "bad.safetensors"
    code, _, err = tfm("ckpt", "export", bad, bad_out, check=False)
    assert code == 1, err
    assert "checksum" in err and str(bad) in err and "f32" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad_v1", "big_v1", "out.safetensors"]
