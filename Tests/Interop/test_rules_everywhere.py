"""Interop: rules files and presets on `ckpt export`, `import`, `diff` and
`to-keras`, judged by TensorFlow, numpy, the `safetensors` package and Keras 3.

These commands once showed `--rules`/`--preset` in their help and ignored them.
Here each applies every step as `ckpt rename` does:

* `export --preset to-torch`: the safetensors file holds `np.transpose` of
  TensorFlow's values; `merge_partitions` writes one tensor per partitioned
  variable; `cast` rounds as numpy's `astype(float16)` does;
* `import --preset from-torch` (and `--rules FILE`): TensorFlow reads back the
  original values under the renamed keys;
* `diff SRC EXPORT --preset from-torch` reports equality, and a one-ULP change in
  the export is still found at its position;
* `to-keras --rules/--preset`: a PyTorch-layout source fills a Keras 3 model whose
  outputs equal numpy's;
* a step that matches nothing warns, and `--strict` makes it exit 1 (nothing written).
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from conftest import read_all, tfmeta, write_rules  # noqa: E402
import tensorflow as tf  # noqa: E402

tf1 = tf.compat.v1


def save_tf1(path, variables, partitioned=None):
    """Saves {name: ndarray} as TF1 variables (V2); `partitioned` {name: (ndarray, parts)}
    as PartitionedVariables of fixed_size_partitioner (one sliced key each)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with tf.Graph().as_default():
        vs = [tf1.get_variable(n, initializer=v) for n, v in variables.items()]
        split = {n: tf1.get_variable(n, shape=v.shape, partitioner=tf1.fixed_size_partitioner(parts))
                 for n, (v, parts) in (partitioned or {}).items()}
        with tf1.Session() as s:
            s.run(tf1.global_variables_initializer())
            for n, p in split.items():
                full, start = partitioned[n][0], 0
                for part in p:
                    s.run(part.assign(full[start:start + part.shape[0]]))
                    start += part.shape[0]
            return tf1.train.Saver().save(s, str(path), write_meta_graph=False)


def layers(rng):
    return {
        "conv/kernel": rng.standard_normal((3, 3, 2, 4)).astype(np.float32),
        "conv1d/kernel": rng.standard_normal((5, 2, 3)).astype(np.float32),
        "dense/kernel": rng.standard_normal((4, 6)).astype(np.float32),
        "dense/bias": rng.standard_normal(6).astype(np.float32),
    }


def test_export_to_torch_equals_numpy_transpose(tmp_path):
    from safetensors.numpy import load_file
    values = layers(np.random.default_rng(21))
    src = save_tf1(tmp_path / "src" / "model", values)
    out = tmp_path / "model.safetensors"
    p = tfmeta("ckpt", "export", src, out, "--preset", "to-torch", "--json")
    report = json.loads(p.stdout)
    assert sorted(report["rules"]["transformed"]) == ["conv/kernel", "conv1d/kernel", "dense/kernel"]
    got = load_file(str(out))
    np.testing.assert_array_equal(got["conv/kernel"], np.transpose(values["conv/kernel"], (3, 2, 0, 1)))
    np.testing.assert_array_equal(got["conv1d/kernel"], np.transpose(values["conv1d/kernel"], (2, 1, 0)))
    np.testing.assert_array_equal(got["dense/kernel"], values["dense/kernel"].T)
    np.testing.assert_array_equal(got["dense/bias"], values["dense/bias"])
    # npz too: the same layouts, read by numpy.
    tfmeta("ckpt", "export", src, tmp_path / "model.npz", "--preset", "to-torch")
    with np.load(tmp_path / "model.npz") as z:
        np.testing.assert_array_equal(z["conv/kernel"], np.transpose(values["conv/kernel"], (3, 2, 0, 1)))


def test_export_merges_partitions_and_casts(tmp_path):
    from safetensors.numpy import load_file
    rng = np.random.default_rng(22)
    full = rng.standard_normal((10, 3)).astype(np.float32)
    w = rng.standard_normal((3, 2)).astype(np.float32)
    table = rng.standard_normal((7, 2)).astype(np.float32)
    # A sliced key (a PartitionedVariable) and part_N keys (variables named so).
    src = save_tf1(tmp_path / "src" / "model", {"w": w, "tbl/part_0": table[:4], "tbl/part_1": table[4:]},
                   partitioned={"emb": (full, 3)})
    assert "slices" in tfmeta("ckpt", "list", src).stdout
    rules = write_rules(tmp_path / "r.json", [{"merge_partitions": {}},
                                              {"cast": {"pattern": "^w$", "from": "float32", "to": "float16"}}])
    out = tmp_path / "merged.safetensors"
    tfmeta("ckpt", "export", src, out, "--rules", rules)
    got = load_file(str(out))
    assert sorted(got) == ["emb", "tbl", "w"]          # one tensor per partitioned variable
    np.testing.assert_array_equal(got["emb"], full)
    np.testing.assert_array_equal(got["tbl"], table)
    assert got["w"].dtype == np.float16
    np.testing.assert_array_equal(got["w"], w.astype(np.float16))


def test_import_from_torch_restores_the_original_in_tensorflow(tmp_path):
    values = layers(np.random.default_rng(23))
    src = save_tf1(tmp_path / "src" / "model", values)
    torch = tmp_path / "torch.safetensors"
    tfmeta("ckpt", "export", src, torch, "--preset", "to-torch")
    tfmeta("ckpt", "import", torch, tmp_path / "back" / "model", "--preset", "from-torch")
    back = read_all(tmp_path / "back" / "model")
    assert sorted(back) == sorted(values)
    for n, v in values.items():
        np.testing.assert_array_equal(back[n], v)
    # A rules file renames on the way in too.
    rules = write_rules(tmp_path / "r.json", [{"rename": {"pattern": "^dense/", "replacement": "head/"}}])
    tfmeta("ckpt", "import", torch, tmp_path / "renamed" / "model", "--preset", "from-torch", "--rules", rules)
    renamed = read_all(tmp_path / "renamed" / "model")
    np.testing.assert_array_equal(renamed["head/kernel"], values["dense/kernel"])
    assert "dense/kernel" not in renamed


def test_diff_of_a_checkpoint_and_its_to_torch_export_is_equal_and_one_ulp_is_found(tmp_path):
    from safetensors.numpy import load_file, save_file
    values = layers(np.random.default_rng(24))
    src = save_tf1(tmp_path / "src" / "model", values)
    torch = tmp_path / "torch.safetensors"
    tfmeta("ckpt", "export", src, torch, "--preset", "to-torch")
    # Without the rules the layouts differ.
    assert tfmeta("ckpt", "diff", src, torch, check=False).returncode == 1
    p = tfmeta("ckpt", "diff", src, torch, "--preset", "from-torch", "--json")
    report = json.loads(p.stdout)
    assert report["equal"] is True
    assert all(t["status"] == "identical" for t in report["tensors"])
    # One ULP up at TensorFlow's dense/kernel[2, 5], stored transposed at [5, 2].
    bumped = load_file(str(torch))
    bumped["dense/kernel"][5, 2] = np.nextafter(bumped["dense/kernel"][5, 2], np.float32(np.inf))
    save_file(bumped, str(tmp_path / "bumped.safetensors"))
    p = tfmeta("ckpt", "diff", src, tmp_path / "bumped.safetensors", "--preset", "from-torch", "--rtol", "0", "--atol", "0",
               "--json", check=False)
    assert p.returncode == 1
    t = {t["key"]: t for t in json.loads(p.stdout)["tensors"]}["dense/kernel"]
    assert t["differing"] == 1 and t["identical_bytes"] is False
    assert t["max_diff_at"] == [2, 5]
    expected = np.nextafter(values["dense/kernel"][2, 5], np.float32(np.inf)) - values["dense/kernel"][2, 5]
    assert t["max_abs_diff"] == pytest.approx(float(expected), rel=0, abs=0)


def test_to_keras_applies_rules_to_a_pytorch_layout_source(tmp_path):
    import keras
    from safetensors.numpy import save_file
    rng = np.random.default_rng(25)
    w1, b1 = rng.standard_normal((5, 4)).astype(np.float32), rng.standard_normal(5).astype(np.float32)
    w2, b2 = rng.standard_normal((3, 5)).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    # PyTorch's nn.Linear names and layouts ([out, in]).
    save_file({"fc1.weight": w1, "fc1.bias": b1, "fc2.weight": w2, "fc2.bias": b2}, str(tmp_path / "torch.safetensors"))
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5), keras.layers.Dense(3)])
    template = tmp_path / "t.weights.h5"
    model.save_weights(str(template))
    out = tmp_path / "out.weights.h5"
    # Without from-torch the kernels' shapes do not fit: nothing matches, exit 1.
    p = tfmeta("ckpt", "to-keras", tmp_path / "torch.safetensors", "--template", template, out,
               "--rule", r"\.weight$=>/kernel", "--rule", r"\.bias$=>/bias", check=False)
    assert p.returncode == 1 and not out.exists()
    tfmeta("ckpt", "to-keras", tmp_path / "torch.safetensors", "--template", template, out,
           "--rule", r"\.weight$=>/kernel", "--rule", r"\.bias$=>/bias", "--preset", "from-torch")
    model.load_weights(str(out))
    x = rng.standard_normal((2, 4)).astype(np.float32)
    expected = (x @ w1.T + b1) @ w2.T + b2
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("command", ["export", "import", "diff", "to-keras"])
def test_a_rule_matching_nothing_warns_and_strict_fails(tmp_path, command):
    import keras
    values = {"dense/kernel": np.ones((4, 3), np.float32), "dense/bias": np.zeros(3, np.float32)}
    src = save_tf1(tmp_path / "src" / "model", values)
    npz = tmp_path / "in.npz"
    np.savez(npz, **{"dense/kernel": values["dense/kernel"], "dense/bias": values["dense/bias"]})
    template = tmp_path / "t.weights.h5"
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.save_weights(str(template))
    words = {
        "export": lambda out: ["ckpt", "export", src, out + ".safetensors"],
        "import": lambda out: ["ckpt", "import", npz, out],
        "diff": lambda out: ["ckpt", "diff", src, src],
        "to-keras": lambda out: ["ckpt", "to-keras", src, "--template", template, out + ".weights.h5"],
    }[command]
    p = tfmeta(*words(str(tmp_path / "warned")), "--rule", "^absent/=>x/")
    assert "matched nothing" in p.stderr
    p = tfmeta(*words(str(tmp_path / "strict")), "--rule", "^absent/=>x/", "--strict", check=False)
    assert p.returncode == 1, p.stderr
    assert "matched nothing" in p.stderr
    assert not [f for f in os.listdir(tmp_path) if f.startswith("strict")]
