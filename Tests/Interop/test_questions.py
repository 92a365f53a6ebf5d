"""Interop: `ckpt import`, `meta from-ckpt`, `ckpt diff` and `ckpt stats`, judged by
TensorFlow and numpy.

Run with the project's TensorFlow venv, after `swift build`:

    TF_CPP_MIN_LOG_LEVEL=3 ~/.cache/metagraphkit/venv-tf/bin/python -m pytest Tests/Interop/test_questions.py

* safetensors (every dtype both sides have, bfloat16 included), npz and a
  directory of .npy (numpy strings, a Fortran-order array) imported, then read by
  `tf.train.load_checkpoint` value for value and restored by a TF1 Saver;
* a graph from `meta from-ckpt` (resource and ref variables) for a checkpoint TF1
  wrote with a partitioned variable and Adam slots: `import_meta_graph` and
  `Saver.restore` give every variable its value;
* `diff` finds no difference between a checkpoint and its V1→V2 migration, its
  safetensors export and that export's re-import, and finds a one-ULP change at
  its position;
* `stats` agrees with numpy and puts Adam slots and counters in their roles.
"""
import json
import os
import struct

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from conftest import tfmeta  # noqa: E402
import tensorflow as tf  # noqa: E402

tf1 = tf.compat.v1
BF16 = tf.bfloat16.as_numpy_dtype


def write_safetensors(path, tensors, metadata=None):
    """A safetensors file written by hand (so bfloat16 needs no torch)."""
    names = {np.dtype(np.float64): "F64", np.dtype(np.float32): "F32", np.dtype(np.float16): "F16",
             np.dtype(BF16): "BF16", np.dtype(np.int64): "I64", np.dtype(np.int32): "I32", np.dtype(np.int16): "I16",
             np.dtype(np.int8): "I8", np.dtype(np.uint8): "U8", np.dtype(np.uint16): "U16", np.dtype(np.uint32): "U32",
             np.dtype(np.uint64): "U64", np.dtype(np.bool_): "BOOL"}
    header, blobs, offset = {}, [], 0
    for key, a in tensors.items():
        b = np.ascontiguousarray(a).tobytes()
        header[key] = {"dtype": names[a.dtype], "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def every_dtype():
    rng = np.random.default_rng(7)
    f = rng.standard_normal((3, 4)).astype(np.float32)
    f[0, 0], f[0, 1], f[0, 2] = np.nan, np.inf, -0.0
    return {
        "f32": f,
        "f64": rng.standard_normal((2, 5)),
        "f16": rng.standard_normal(6).astype(np.float16),
        "bf16": np.array([1.5, -2.25, np.inf, 3.0e38, 0], dtype=BF16),
        "i8": np.array([-128, 0, 127], dtype=np.int8),
        "i16": np.array([-32768, 32767], dtype=np.int16),
        "i32": np.arange(-3, 3, dtype=np.int32).reshape(2, 3),
        "i64": np.array([2**62, -(2**62)], dtype=np.int64),
        "u8": np.array([0, 255], dtype=np.uint8),
        "u16": np.array([65535], dtype=np.uint16),
        "u32": np.array([2**32 - 1], dtype=np.uint32),
        "u64": np.array([2**64 - 1], dtype=np.uint64),
        "b": np.array([True, False, True]),
        "layer/scalar": np.float32(4.0).reshape(()),
        "empty": np.zeros((0, 3), dtype=np.float32),
    }


def assert_same(got, want, key):
    assert got.dtype == want.dtype, (key, got.dtype, want.dtype)
    assert got.shape == want.shape, (key, got.shape, want.shape)
    assert got.tobytes() == np.ascontiguousarray(want).tobytes(), key


def test_import_safetensors_every_dtype(tmp_path):
    tensors = every_dtype()
    src = tmp_path / "w.safetensors"
    write_safetensors(src, tensors, {"format": "np"})
    tfmeta("ckpt", "import", src, tmp_path / "ckpt")
    reader = tf.train.load_checkpoint(str(tmp_path / "ckpt"))
    assert sorted(reader.get_variable_to_shape_map()) == sorted(tensors)
    for key, want in tensors.items():
        assert_same(reader.get_tensor(key), want, key)
    # And back: the diff between the file and its import is nothing.
    p = tfmeta("ckpt", "diff", src, tmp_path / "ckpt", "--json")
    report = json.loads(p.stdout)
    assert report["equal"] and report["counts"]["identical"] == len(tensors)
    # An existing destination is refused without --overwrite.
    p = tfmeta("ckpt", "import", src, tmp_path / "ckpt", check=False)
    assert p.returncode == 1 and "--overwrite" in p.stderr


def test_import_npz_and_npy_directory_restored_by_a_tf1_saver(tmp_path):
    arrays = {
        "dense/kernel": np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4)),
        "dense/bias": np.array([0.5, -1.0, 2.0, 0.25], dtype=np.float32),
        "global_step": np.array(42, dtype=np.int64),
        "names": np.array([b"alpha", b"b", b""]),
        "words": np.array(["héllo", "x"]),
    }
    np.savez(tmp_path / "w.npz", **arrays)
    os.makedirs(tmp_path / "npy" / "dense")
    for key, a in arrays.items():
        np.save(tmp_path / "npy" / (key + ".npy"), a)
    for src in [tmp_path / "w.npz", tmp_path / "npy"]:
        dst = tmp_path / ("from_" + src.name.replace(".", "_"))
        tfmeta("ckpt", "import", src, dst, "--rule", "^words$=>vocab/words")
        reader = tf.train.load_checkpoint(str(dst))
        np.testing.assert_array_equal(reader.get_tensor("dense/kernel"), arrays["dense/kernel"])
        assert reader.get_tensor("names").tolist() == [b"alpha", b"b", b""]
        assert reader.get_tensor("vocab/words").tolist() == ["héllo".encode(), b"x"]
        with tf.Graph().as_default(), tf1.Session() as sess:
            kernel = tf1.get_variable("dense/kernel", shape=[3, 4], dtype=tf.float32)
            bias = tf1.get_variable("dense/bias", shape=[4], dtype=tf.float32)
            step = tf1.get_variable("global_step", shape=[], dtype=tf.int64)
            tf1.train.Saver([kernel, bias, step]).restore(sess, str(dst))
            k, b, s = sess.run([kernel, bias, step])
        np.testing.assert_array_equal(k, arrays["dense/kernel"])
        np.testing.assert_array_equal(b, arrays["dense/bias"])
        assert s == 42


def tf1_checkpoint(tmp_path, version):
    """A TF1 graph with a partitioned variable, trained one Adam step and saved."""
    os.makedirs(tmp_path / f"tf1_{version}", exist_ok=True)
    prefix = str(tmp_path / f"tf1_{version}" / "model.ckpt")
    with tf.Graph().as_default(), tf1.Session() as sess:
        w = tf1.get_variable("net/w", initializer=np.arange(6, dtype=np.float32).reshape(3, 2) / 7)
        part = tf1.get_variable("net/part", shape=[10, 3], initializer=tf1.random_normal_initializer(seed=1),
                                partitioner=tf1.fixed_size_partitioner(3))
        step = tf1.train.get_or_create_global_step()
        loss = tf.reduce_sum(w * w) + tf.reduce_sum(tf.concat(list(part), 0) ** 2)
        train = tf1.train.AdamOptimizer(0.1).minimize(loss, global_step=step)
        sess.run(tf1.global_variables_initializer())
        sess.run(train)
        saver = tf1.train.Saver(write_version=tf1.train.SaverDef.V1 if version == "v1" else tf1.train.SaverDef.V2)
        return saver.save(sess, prefix, write_meta_graph=False)


@pytest.mark.parametrize("kind", ["--resource", "--ref"])
def test_from_ckpt_graph_restores_every_variable(tmp_path, kind):
    prefix = tf1_checkpoint(tmp_path, "v2")
    meta = tmp_path / "model.meta"
    report = json.loads(tfmeta("meta", "from-ckpt", prefix, meta, kind, "--json").stdout)
    reader = tf.train.load_checkpoint(prefix)
    keys = reader.get_variable_to_shape_map()
    assert report["keys"] == len(keys)
    with tf.Graph().as_default(), tf1.Session() as sess:
        saver = tf1.train.import_meta_graph(str(meta))
        saver.restore(sess, prefix)
        variables = tf1.global_variables()
        trainable = {v.op.name for v in tf1.trainable_variables()}
        assert trainable == {"net/w", "net/part/part_0", "net/part/part_1", "net/part/part_2"}
        assert all((v.op.type == "VarHandleOp") == (kind == "--resource") for v in variables)
        seen = set()
        for v in variables:
            info = v._save_slice_info
            key = info.full_name if info else v.op.name
            want = reader.get_tensor(key)
            if info:
                want = want[tuple(slice(o, o + n) for o, n in zip(info.var_offset, info.var_shape))]
            got = sess.run(v)
            assert got.dtype == want.dtype and got.shape == want.shape, key
            assert got.tobytes() == want.tobytes(), key
            seen.add(key)
        assert seen == set(keys)
        # The graph saves, too: a checkpoint TensorFlow writes through it reads back equal.
        again = saver.save(sess, str(tmp_path / "again" / "model.ckpt"), write_meta_graph=False)
    p = tfmeta("ckpt", "diff", prefix, again, check=False)
    assert p.returncode == 0, p.stdout


def test_diff_finds_nothing_between_a_checkpoint_and_its_conversions(tmp_path):
    v1 = tf1_checkpoint(tmp_path, "v1")
    tfmeta("ckpt", "migrate", v1, tmp_path / "v2")
    tfmeta("ckpt", "export", tmp_path / "v2", tmp_path / "e.safetensors")
    tfmeta("ckpt", "import", tmp_path / "e.safetensors", tmp_path / "back")
    n = len(tf.train.load_checkpoint(str(tmp_path / "v2")).get_variable_to_shape_map())
    for a, b in [(v1, tmp_path / "v2"), (v1, tmp_path / "e.safetensors"), (tmp_path / "v2", tmp_path / "back"),
                 (tmp_path / "e.safetensors", v1)]:
        p = tfmeta("ckpt", "diff", a, b, "--json", check=False)
        report = json.loads(p.stdout)
        assert p.returncode == 0, p.stdout
        assert report["equal"] and report["counts"]["identical"] == n, (a, b, report["counts"])
        assert all(t["identical_bytes"] and t["max_abs_diff"] == 0 and t["max_diff_at"] is None for t in report["tensors"])


def test_diff_reports_one_ulp_at_its_position(tmp_path):
    rng = np.random.default_rng(3)
    values = rng.standard_normal((5, 7, 3)).astype(np.float32)
    other = values.copy()
    other[3, 4, 1] = np.nextafter(other[3, 4, 1], np.float32(np.inf))
    prefixes = []
    for name, v in [("a", values), ("b", other)]:
        with tf.Graph().as_default(), tf1.Session() as sess:
            var = tf1.get_variable("x", initializer=v)
            keep = tf1.get_variable("same", initializer=np.arange(4, dtype=np.int32))
            sess.run(tf1.global_variables_initializer())
            prefixes.append(tf1.train.Saver([var, keep]).save(sess, str(tmp_path / name / "m"), write_meta_graph=False))
    p = tfmeta("ckpt", "diff", *prefixes, "--json", check=False)
    report = json.loads(p.stdout)
    assert p.returncode == 0   # one ULP is within numpy's default tolerance
    x = next(t for t in report["tensors"] if t["key"] == "x")
    assert x["status"] == "close" and x["identical_bytes"] is False
    assert x["max_diff_at"] == [3, 4, 1]
    assert x["differing"] == 1
    ulp = float(abs(np.float32(other[3, 4, 1]) - np.float32(values[3, 4, 1])))
    assert x["max_abs_diff"] == ulp
    assert x["mean_abs_diff"] == pytest.approx(ulp / values.size)
    assert x["a_value"] == float(values[3, 4, 1]) and x["b_value"] == float(other[3, 4, 1])
    # With no tolerance it is a difference, and the exit status says so.
    p = tfmeta("ckpt", "diff", *prefixes, "--rtol", "0", "--atol", "0", check=False)
    assert p.returncode == 1 and "different: x" in p.stdout and "at [3, 4, 1]" in p.stdout
    # Under a rule, B's renamed key is matched with A's.
    tfmeta("ckpt", "rename", prefixes[1], tmp_path / "renamed", "--rule", "^x$=>model/x")
    p = tfmeta("ckpt", "diff", prefixes[0], tmp_path / "renamed", "--rule", "^model/x$=>x", "--json")
    assert json.loads(p.stdout)["counts"]["close"] == 1


def test_diff_of_a_damaged_tensor_says_why_on_stderr(tmp_path):
    """A flipped payload byte: the report names the tensor as not compared, and,
    as `ckpt stats` does, stderr names the file, the key and the count, exit 1;
    with --json stdout is still one JSON document."""
    from conftest import FIXTURES
    import shutil
    for f in FIXTURES.glob("ckpt/v2_dtypes.*"):
        if not f.name.endswith(".json"):
            shutil.copy(f, tmp_path / f.name)
    data = tmp_path / "v2_dtypes.data-00000-of-00001"
    raw = bytearray(data.read_bytes())
    raw[3] ^= 0xFF
    data.write_bytes(bytes(raw))
    damaged = [k for k, _ in tf.train.list_variables(str(tmp_path / "v2_dtypes"))]
    bad = []
    reader = tf.train.load_checkpoint(str(tmp_path / "v2_dtypes"))
    for k in damaged:
        try:
            reader.get_tensor(k)
        except Exception:   # TensorFlow's own reader is the judge of which tensor is damaged
            bad.append(k)
    assert len(bad) == 1
    for extra in [[], ["--json"]]:
        p = tfmeta("ckpt", "diff", tmp_path / "v2_dtypes", FIXTURES / "ckpt" / "v2_dtypes", *extra, check=False)
        assert p.returncode == 1
        assert "Error: " in p.stderr and "1 tensor could not be read" in p.stderr
        assert f"checksum mismatch for {bad[0]}" in p.stderr and "v2_dtypes.data-00000-of-00001" in p.stderr
        if extra:
            report = json.loads(p.stdout)
            assert report["counts"]["unreadable"] == 1
    # A sound pair still exits 0 with nothing on stderr.
    p = tfmeta("ckpt", "diff", FIXTURES / "ckpt" / "v2_dtypes", FIXTURES / "ckpt" / "v2_dtypes", check=False)
    assert p.returncode == 0 and p.stderr == ""


def test_stats_agree_with_numpy(tmp_path):
    prefix = tf1_checkpoint(tmp_path, "v2")
    report = json.loads(tfmeta("ckpt", "stats", prefix, "--json").stdout)
    reader = tf.train.load_checkpoint(prefix)
    by_key = {s["key"]: s for s in report["stats"]}
    assert set(by_key) == set(reader.get_variable_to_shape_map())
    for key, s in by_key.items():
        a = reader.get_tensor(key).astype(np.float64)
        assert s["min"] == pytest.approx(a.min()) and s["max"] == pytest.approx(a.max())
        assert s["mean"] == pytest.approx(a.mean(), abs=1e-12)
        assert s["std"] == pytest.approx(a.std(), abs=1e-12)
        assert s["zeros"] == int((a == 0).sum())
    assert by_key["net/w/Adam"]["role"] == "optimizer" and by_key["net/part/Adam_1"]["role"] == "optimizer"
    assert by_key["global_step"]["role"] == "counter" and by_key["beta1_power"]["role"] == "counter"
    assert by_key["net/w"]["role"] == "model"
    roles = {r["role"]: r for r in report["roles"]}
    assert roles["optimizer"]["bytes"] == 2 * roles["model"]["bytes"]
    assert sum(r["bytes"] for r in report["roles"]) == report["bytes"]


def test_stats_counts_nan_and_infinities(tmp_path):
    a = np.array([np.nan, np.inf, -np.inf, 0, 0, 1, 2, 3], dtype=np.float32)
    np.save(tmp_path / "x.npy", a)
    s = json.loads(tfmeta("ckpt", "stats", tmp_path / "x.npy", "--json").stdout)["stats"][0]
    assert (s["nan"], s["pos_inf"], s["neg_inf"], s["zeros"]) == (1, 1, 1, 2)
    finite = a[np.isfinite(a)].astype(np.float64)
    assert (s["min"], s["max"]) == (0, 3)
    assert s["mean"] == pytest.approx(finite.mean()) and s["std"] == pytest.approx(finite.std())


def test_export_for_pytorch_users(tmp_path):
    """npz: bfloat16 as uint16 bits (named in __tfmeta__.json) or float32, strings as S
    arrays, numpy reading it all without pickle; safetensors: __metadata__ names
    the source; rules select and rename."""
    arrays = {"w": np.array([[1.5, -2.0], [0.0, 3.0e38]], dtype=BF16), "names": np.array([b"ab", b"c"]),
              "step": np.array(3, dtype=np.int64)}
    src = tmp_path / "src"
    with tf.Graph().as_default(), tf1.Session() as sess:
        vs = [tf1.get_variable(k, initializer=tf.constant(v)) for k, v in arrays.items()]
        sess.run(tf1.global_variables_initializer())
        prefix = tf1.train.Saver(vs).save(sess, str(src / "m"), write_meta_graph=False)
    tfmeta("ckpt", "export", prefix, tmp_path / "raw.npz")
    z = np.load(tmp_path / "raw.npz", allow_pickle=False)
    assert z["w"].dtype == np.uint16 and z["w"].view(BF16).tolist() == arrays["w"].tolist()
    assert z["names"].dtype.kind == "S" and z["names"].tolist() == [b"ab", b"c"]
    assert json.loads(bytes(z["__tfmeta__.json"]))["bfloat16_as_uint16"] == ["w"]
    # tfmeta reads its own npz back as the same checkpoint, bfloat16 included.
    assert tfmeta("ckpt", "diff", prefix, tmp_path / "raw.npz", check=False).returncode == 0
    tfmeta("ckpt", "export", prefix, tmp_path / "f.npz", "--bf16-as", "float32")
    f = np.load(tmp_path / "f.npz", allow_pickle=False)
    assert f["w"].dtype == np.float32 and f["w"].tolist() == arrays["w"].astype(np.float32).tolist()
    report = json.loads(tfmeta("ckpt", "export", prefix, tmp_path / "s.safetensors", "--drop", "^step$",
                               "--rule", "^w$=>model.weight", "--json").stdout)
    assert report["dropped"] == ["step"] and report["renamed"] == [{"from": "w", "to": "model.weight"}]
    from safetensors import safe_open
    with safe_open(str(tmp_path / "s.safetensors"), "np") as s:
        assert s.metadata() == {"source": prefix, "source_format": "V2", "writer": "tfmeta ckpt export"}
        assert list(s.keys()) == ["model.weight"]
