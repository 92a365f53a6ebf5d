"""Interop: rules files, presets and the `.meta` kept consistent, judged by TensorFlow.

Run with the project's TensorFlow venv, after `swift build`:

    TF_CPP_MIN_LOG_LEVEL=3 ~/.cache/metagraphkit/venv-tf/bin/python -m pytest Tests/Interop/test_rules.py

Every checkpoint is written by TensorFlow in the test's temporary directory:

* part_N keys merged (an unpartitioned TF1 graph restores them) and a whole tensor
  split (a TF1 graph with `fixed_size_partitioner` restores the slices);
* transpose, reshape and cast (bfloat16 / float16 round to nearest even, equal to
  `tf.cast`), a rule that matches nothing (warning; `--strict` exits 1);
* a BERT-like checkpoint with Adam slots (`adam_m`/`adam_v` as BERT names them,
  and tf.compat.v1 Adam's `Adam`/`Adam_1`/`beta1_power`) shrunk by
  `--preset drop-optimizer --preset drop-step` to about a third, then loaded by
  `tf.compat.v1.train.init_from_checkpoint`;
* `promote-ema`: every variable equals its old ExponentialMovingAverage shadow;
* `tf1-rnn-1.2`: a checkpoint with pre-1.0 `RNN/BasicLSTMCell/Linear/Matrix` names
  restores into a graph with TF 1.2's `rnn/basic_lstm_cell/kernel` variables;
* `to-torch`: the exported safetensors file (read with the `safetensors` package)
  holds `np.transpose` of TensorFlow's values;
* a renamed checkpoint's `.meta`: `import_meta_graph(DST.meta)` then
  `saver.restore(sess, DST)` gives the old values under the new names.
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from conftest import read_all, tfmeta, write_rules  # noqa: E402
import tensorflow as tf  # noqa: E402

tf1 = tf.compat.v1


def save_tf1(path, variables, meta=False, **saver_args):
    """Saves {name: ndarray} as TF1 variables of those names (V2), optionally with a .meta."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with tf.Graph().as_default():
        vs = [tf1.get_variable(n, initializer=v) for n, v in variables.items()]
        saver = tf1.train.Saver(vs, **saver_args)
        with tf1.Session() as s:
            s.run(tf1.global_variables_initializer())
            return saver.save(s, str(path), write_meta_graph=meta)


def checkpoint_bytes(prefix):
    d = os.path.dirname(str(prefix)) or "."
    base = os.path.basename(str(prefix))
    return sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d)
               if f.startswith(base + ".data-") or f == base + ".index")


# MARK: - merge_partitions and split


def test_part_n_merged_restores_into_unpartitioned_and_split_into_fixed_size_partitioner(tmp_path):
    rng = np.random.default_rng(1)
    full = rng.standard_normal((10, 3)).astype(np.float32)
    sizes = [4, 3, 3]
    parts, start = {}, 0
    for i, n in enumerate(sizes):
        parts[f"emb/part_{i}"] = full[start:start + n]
        start += n
    parts["bias"] = rng.standard_normal(3).astype(np.float32)
    src = save_tf1(tmp_path / "src" / "model", parts)

    rules = write_rules(tmp_path / "merge.json", [{"merge_partitions": {}}])
    tfmeta("ckpt", "rename", src, tmp_path / "merged" / "model", "--rules", rules)
    with tf.Graph().as_default():
        emb = tf1.get_variable("emb", shape=[10, 3])
        bias = tf1.get_variable("bias", shape=[3])
        with tf1.Session() as s:
            tf1.train.Saver().restore(s, str(tmp_path / "merged" / "model"))
            np.testing.assert_array_equal(s.run(emb), full)
            np.testing.assert_array_equal(s.run(bias), parts["bias"])

    # Split the merged tensor into 4 slices: a PartitionedVariable of 4 restores it.
    rules = write_rules(tmp_path / "split.json", [{"split": {"pattern": "^emb$", "parts": 4, "axis": 0}}])
    tfmeta("ckpt", "rename", tmp_path / "merged" / "model", tmp_path / "split" / "model", "--rules", rules)
    with tf.Graph().as_default():
        emb = tf1.get_variable("emb", shape=[10, 3], partitioner=tf1.fixed_size_partitioner(4))
        assert len(list(emb)) == 4
        with tf1.Session() as s:
            tf1.train.Saver().restore(s, str(tmp_path / "split" / "model"))
            np.testing.assert_array_equal(s.run(tf.concat(list(emb), axis=0)), full)


def test_sliced_partitioned_variable_merged_into_one_tensor(tmp_path):
    rng = np.random.default_rng(2)
    full = rng.standard_normal((7, 2)).astype(np.float32)
    path = tmp_path / "src" / "model"
    os.makedirs(path.parent)
    with tf.Graph().as_default():
        v = tf1.get_variable("w", shape=[7, 2], partitioner=tf1.fixed_size_partitioner(3))
        with tf1.Session() as s:
            s.run(tf1.global_variables_initializer())
            start = 0
            for part in v:
                n = part.shape[0]
                s.run(part.assign(full[start:start + n]))
                start += n
            tf1.train.Saver().save(s, str(path))
    assert "slices" in tfmeta("ckpt", "list", path).stdout
    rules = write_rules(tmp_path / "merge.json", [{"merge_partitions": {"pattern": "^w$"}}])
    out = tfmeta("ckpt", "rename", path, tmp_path / "out" / "model", "--rules", rules, "--json")
    assert json.loads(out.stdout)["rules"]["transformed"] == ["w"]
    listing = tfmeta("ckpt", "list", tmp_path / "out" / "model").stdout
    assert "slices" not in listing
    np.testing.assert_array_equal(read_all(tmp_path / "out" / "model")["w"], full)


# MARK: - transpose, reshape, cast


def test_transpose_reshape_and_cast_equal_numpy_and_tf_cast(tmp_path):
    rng = np.random.default_rng(4)
    values = {
        "conv/kernel": rng.standard_normal((3, 3, 2, 5)).astype(np.float32),
        "dense/kernel": rng.standard_normal((6, 4)).astype(np.float32),
        "flat": rng.standard_normal((2, 6)).astype(np.float32),
        "half": (rng.standard_normal(257) * 1000).astype(np.float32),
        "step": np.array(7, dtype=np.int64),
    }
    src = save_tf1(tmp_path / "src" / "model", values)
    rules = write_rules(tmp_path / "r.json", [
        {"transpose": {"pattern": "kernel$", "perm": [3, 2, 0, 1], "rank": 4}},
        {"transpose": {"pattern": "kernel$", "perm": [1, 0], "rank": 2}},
        {"reshape": {"pattern": "^flat$", "shape": [3, -1]}},
        {"cast": {"pattern": "^half$", "from": "float32", "to": "float16"}},
        {"cast": {"pattern": "kernel$", "from": "float32", "to": "bfloat16"}},
    ])
    out = tfmeta("ckpt", "rename", src, tmp_path / "out" / "model", "--rules", rules, "--json")
    report = json.loads(out.stdout)["rules"]
    got = read_all(tmp_path / "out" / "model")
    bf16 = tf.bfloat16.as_numpy_dtype
    np.testing.assert_array_equal(got["conv/kernel"], tf.cast(np.transpose(values["conv/kernel"], (3, 2, 0, 1)), tf.bfloat16).numpy())
    assert got["conv/kernel"].dtype == bf16
    np.testing.assert_array_equal(got["dense/kernel"], tf.cast(values["dense/kernel"].T, tf.bfloat16).numpy())
    np.testing.assert_array_equal(got["flat"], values["flat"].reshape(3, 4))
    np.testing.assert_array_equal(got["half"], values["half"].astype(np.float16))
    assert got["step"] == 7
    # The largest error reported is the largest error there is.
    worst = max(
        float(np.max(np.abs(values["half"] - values["half"].astype(np.float16).astype(np.float32)))),
        float(np.max(np.abs(values["conv/kernel"] - tf.cast(tf.cast(values["conv/kernel"], tf.bfloat16), tf.float32).numpy()))),
        float(np.max(np.abs(values["dense/kernel"] - tf.cast(tf.cast(values["dense/kernel"], tf.bfloat16), tf.float32).numpy()))),
    )
    assert report["cast_max_error"]["max_error"] == pytest.approx(worst, rel=1e-6)
    assert report["cast_max_error"]["key"] == "half"


def test_unmatched_rule_warns_and_strict_fails(tmp_path):
    src = save_tf1(tmp_path / "src" / "model", {"a": np.ones(2, np.float32)})
    rules = write_rules(tmp_path / "r.json", [{"rename": {"pattern": "^nothing/", "replacement": "x/"}}])
    p = tfmeta("ckpt", "rename", src, tmp_path / "out" / "model", "--rules", rules)
    assert "matched nothing" in p.stderr and "^nothing/" in p.stderr
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"absent": "b"}))
    p = tfmeta("ckpt", "rename", src, tmp_path / "out2" / "model", "--map", mapping, "--strict", check=False)
    assert p.returncode == 1 and 'map entry "absent" matched nothing' in p.stderr
    assert not (tmp_path / "out2").exists()
    # A broken rules file names the file and the step.
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"steps": [{"rename": {"pattern": "a"}}]}))
    p = tfmeta("ckpt", "rename", src, tmp_path / "out3" / "model", "--rules", bad, check=False)
    assert p.returncode == 1 and "bad.json: step 1 (rename): missing \"replacement\"" in p.stderr


# MARK: - presets


def bert_like(tmp_path, hidden=32, layers=2, vocab=200):
    """A BERT-like fine-tuned checkpoint: BERT's own adam_m/adam_v slots, global_step."""
    rng = np.random.default_rng(5)
    shapes = {"bert/embeddings/word_embeddings": (vocab, hidden),
              "bert/embeddings/LayerNorm/gamma": (hidden,),
              "bert/embeddings/LayerNorm/beta": (hidden,)}
    for i in range(layers):
        for part in ("query", "key", "value"):
            shapes[f"bert/encoder/layer_{i}/attention/self/{part}/kernel"] = (hidden, hidden)
            shapes[f"bert/encoder/layer_{i}/attention/self/{part}/bias"] = (hidden,)
        shapes[f"bert/encoder/layer_{i}/intermediate/dense/kernel"] = (hidden, 4 * hidden)
        shapes[f"bert/encoder/layer_{i}/output/dense/kernel"] = (4 * hidden, hidden)
    shapes["output_weights"] = (2, hidden)
    shapes["output_bias"] = (2,)
    values = {n: rng.standard_normal(s).astype(np.float32) for n, s in shapes.items()}
    everything = dict(values)
    for n, v in values.items():
        everything[n + "/adam_m"] = rng.standard_normal(v.shape).astype(np.float32)
        everything[n + "/adam_v"] = np.abs(rng.standard_normal(v.shape)).astype(np.float32)
    everything["global_step"] = np.array(1000, dtype=np.int64)
    src = save_tf1(tmp_path / "bert" / "model.ckpt-1000", everything)
    return src, values


def test_drop_optimizer_shrinks_bert_to_a_third_and_init_from_checkpoint_loads_it(tmp_path):
    src, values = bert_like(tmp_path)
    dst = tmp_path / "small" / "model.ckpt"
    tfmeta("ckpt", "rename", src, dst, "--preset", "drop-optimizer", "--preset", "drop-step")
    before, after = checkpoint_bytes(src), checkpoint_bytes(dst)
    assert 0.30 < after / before < 0.36, (before, after)
    assert set(read_all(dst)) == set(values)
    with tf.Graph().as_default():
        created = {n: tf1.get_variable(n, shape=v.shape, initializer=tf1.zeros_initializer()) for n, v in values.items()}
        tf1.train.init_from_checkpoint(str(dst), {"bert/": "bert/", "output_weights": "output_weights", "output_bias": "output_bias"})
        with tf1.Session() as s:
            s.run(tf1.global_variables_initializer())
            for n, v in created.items():
                np.testing.assert_array_equal(s.run(v), values[n])


def test_drop_optimizer_covers_tf1_adam_and_ema_presets(tmp_path):
    """tf.compat.v1 Adam (VAR/Adam, VAR/Adam_1, beta1_power) and EMA shadows."""
    path = tmp_path / "train" / "model"
    os.makedirs(path.parent)
    rng = np.random.default_rng(6)
    with tf.Graph().as_default():
        w = tf1.get_variable("dense/kernel", initializer=rng.standard_normal((4, 3)).astype(np.float32))
        b = tf1.get_variable("dense/bias", initializer=rng.standard_normal(3).astype(np.float32))
        loss = tf.reduce_sum(tf.square(w)) + tf.reduce_sum(b)
        step = tf1.train.get_or_create_global_step()
        train = tf1.train.AdamOptimizer(0.1).minimize(loss, global_step=step)
        ema = tf1.train.ExponentialMovingAverage(0.5)
        with tf.control_dependencies([train]):
            train = ema.apply([w, b])
        saver = tf1.train.Saver()
        with tf1.Session() as s:
            s.run(tf1.global_variables_initializer())
            for _ in range(3):
                s.run(train)
            saver.save(s, str(path))
    keys = set(read_all(path))
    assert {"dense/kernel/Adam", "dense/kernel/Adam_1", "beta1_power", "dense/kernel/ExponentialMovingAverage"} <= keys
    old = read_all(path)

    tfmeta("ckpt", "rename", path, tmp_path / "plain" / "model", "--preset", "drop-optimizer",
           "--preset", "drop-step", "--preset", "drop-ema", "--no-meta")
    assert set(read_all(tmp_path / "plain" / "model")) == {"dense/kernel", "dense/bias"}

    p = tfmeta("ckpt", "rename", path, tmp_path / "ema" / "model", "--preset", "promote-ema",
               "--preset", "drop-optimizer", "--preset", "drop-step", "--no-meta", "--json")
    promoted = json.loads(p.stdout)["rules"]["promoted"]
    assert sorted(x["variable"] for x in promoted) == ["dense/bias", "dense/kernel"]
    got = read_all(tmp_path / "ema" / "model")
    assert set(got) == {"dense/kernel", "dense/bias"}
    for n in got:
        assert not np.array_equal(old[n], old[n + "/ExponentialMovingAverage"])
        np.testing.assert_array_equal(got[n], old[n + "/ExponentialMovingAverage"])


def lstm_step(x, h, c, kernel, bias):
    """One BasicLSTMCell step (i, j, f, o gates; forget bias 1), as TF computes it."""
    gates = np.concatenate([x, h], axis=1) @ kernel + bias
    i, j, f, o = np.split(gates, 4, axis=1)
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    c = c * sig(f + 1.0) + sig(i) * np.tanh(j)
    return np.tanh(c) * sig(o), c


def test_tf1_rnn_1_2_old_basic_lstm_cell_names_restore_into_current_names(tmp_path):
    rng = np.random.default_rng(7)
    units, inputs = 3, 4
    kernel = rng.standard_normal((inputs + units, 4 * units)).astype(np.float32)
    bias = rng.standard_normal(4 * units).astype(np.float32)
    old = save_tf1(tmp_path / "old" / "model", {
        "RNN/MultiRNNCell/Cell0/BasicLSTMCell/Linear/Matrix": kernel,
        "RNN/MultiRNNCell/Cell0/BasicLSTMCell/Linear/Bias": bias,
    })
    tfmeta("ckpt", "rename", old, tmp_path / "new" / "model", "--preset", "tf1-rnn-1.2")
    # The graph tf.compat.v1.nn.dynamic_rnn(MultiRNNCell([BasicLSTMCell(3)])) builds in
    # TF 1.2+: its variables, and the cell's step computed by TF ops on them.
    # (BasicLSTMCell itself needs Keras 2, which TF 2.21 no longer ships.)
    x0 = rng.standard_normal((2, inputs)).astype(np.float32)
    with tf.Graph().as_default():
        k = tf1.get_variable("rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel", shape=kernel.shape)
        b = tf1.get_variable("rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias", shape=bias.shape)
        h0 = tf.zeros((2, units))
        gates = tf.matmul(tf.concat([x0, h0], 1), k) + b
        i, j, f, o = tf.split(gates, 4, axis=1)
        c = tf.sigmoid(i) * tf.tanh(j)
        h = tf.tanh(c) * tf.sigmoid(o)
        with tf1.Session() as s:
            tf1.train.Saver().restore(s, str(tmp_path / "new" / "model"))
            np.testing.assert_array_equal(s.run(k), kernel)
            expected, _ = lstm_step(x0, np.zeros((2, units), np.float32), np.zeros((2, units), np.float32), kernel, bias)
            np.testing.assert_allclose(s.run(h), expected, rtol=1e-5, atol=1e-6)


def test_to_torch_export_equals_numpy_transpose(tmp_path):
    from safetensors.numpy import load_file
    rng = np.random.default_rng(8)
    values = {
        "conv/kernel": rng.standard_normal((3, 3, 2, 4)).astype(np.float32),
        "conv1d/kernel": rng.standard_normal((5, 2, 3)).astype(np.float32),
        "dense/kernel": rng.standard_normal((4, 6)).astype(np.float32),
        "dense/bias": rng.standard_normal(6).astype(np.float32),
    }
    src = save_tf1(tmp_path / "src" / "model", values)
    torch = tmp_path / "torch" / "model"
    tfmeta("ckpt", "rename", src, torch, "--preset", "to-torch")
    tfmeta("ckpt", "export", torch, tmp_path / "model.safetensors")
    got = load_file(str(tmp_path / "model.safetensors"))
    np.testing.assert_array_equal(got["conv/kernel"], np.transpose(values["conv/kernel"], (3, 2, 0, 1)))
    np.testing.assert_array_equal(got["conv1d/kernel"], np.transpose(values["conv1d/kernel"], (2, 1, 0)))
    np.testing.assert_array_equal(got["dense/kernel"], values["dense/kernel"].T)
    np.testing.assert_array_equal(got["dense/bias"], values["dense/bias"])
    # from-torch undoes it.
    tfmeta("ckpt", "rename", torch, tmp_path / "back" / "model", "--preset", "from-torch")
    back = read_all(tmp_path / "back" / "model")
    for n, v in values.items():
        np.testing.assert_array_equal(back[n], v)


# MARK: - the .meta along with the checkpoint


def tf1_graph(path, scope, layer_names, seed):
    """A TF1 graph: variables under scope/<layer>/{kernel,bias}, Adam, saved with its .meta."""
    rng = np.random.default_rng(seed)
    os.makedirs(path.parent, exist_ok=True)
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 3], name="x")
        h = x
        with tf1.variable_scope(scope):
            for i, name in enumerate(layer_names):
                with tf1.variable_scope(name):
                    k = tf1.get_variable("kernel", initializer=rng.standard_normal((3, 3)).astype(np.float32))
                    b = tf1.get_variable("bias", initializer=rng.standard_normal(3).astype(np.float32))
                    h = tf.matmul(h, k) + b
        tf1.add_to_collection("outputs", h)
        step = tf1.train.get_or_create_global_step()
        train = tf1.train.AdamOptimizer(0.1).minimize(tf.reduce_sum(h), global_step=step)
        saver = tf1.train.Saver()
        with tf1.Session() as s:
            s.run(tf1.global_variables_initializer())
            s.run(train, {x: np.ones((2, 3), np.float32)})
            return saver.save(s, str(path))


def test_renamed_meta_imports_and_restores_the_renamed_checkpoint(tmp_path):
    src = tf1_graph(tmp_path / "old" / "model", "net", ["layer1", "layer2"], 9)
    old = read_all(src)
    rules = write_rules(tmp_path / "r.json", [
        {"rename": {"pattern": "^net/", "replacement": "model/"}},
        {"rename": {"pattern": "/layer([0-9]+)/", "replacement": "/dense_$1/"}},
    ])
    dst = tmp_path / "new" / "deeper" / "model"     # parents created
    p = tfmeta("ckpt", "rename", src, dst, "--rules", rules, "--json")
    report = json.loads(p.stdout)["rules"]
    assert report["meta"]["destination"] == str(dst) + ".meta"
    assert report["meta"]["renamed_keys"] > 0
    with tf.Graph().as_default():
        saver = tf1.train.import_meta_graph(str(dst) + ".meta")
        names = {v.op.name for v in tf1.global_variables()}
        assert "model/dense_1/kernel" in names and not any(n.startswith("net/") for n in names)
        with tf1.Session() as s:
            saver.restore(s, str(dst))
            for v in tf1.global_variables():
                key = v.op.name.replace("model/", "net/", 1)
                key = key.replace("/dense_1/", "/layer1/").replace("/dense_2/", "/layer2/")
                np.testing.assert_array_equal(s.run(v), old[key])
            # The graph still computes: the output collection follows the renamed nodes.
            out = tf1.get_collection("outputs")[0]
            assert out.name.startswith("model/")
            s.run(out, {"x:0": np.ones((1, 3), np.float32)})


def test_emit_rules_from_match_rename_the_old_checkpoint_for_the_new_graph(tmp_path):
    old = tf1_graph(tmp_path / "old" / "model", "net", ["layer1", "layer2"], 10)
    new = tf1_graph(tmp_path / "new" / "model", "model", ["dense_1", "dense_2"], 11)
    old_values = read_all(old)
    emitted = tmp_path / "emitted.json"
    p = tfmeta("ckpt", "match", old, "--meta", new + ".meta", "--emit-rules", emitted, "--strict", check=False)
    assert p.returncode == 1                   # keys are missing and unused before the rules
    assert "maybe" in p.stdout
    rules = json.loads(emitted.read_text())
    assert rules["version"] == 1 and rules["$schema"].endswith("rules-v1.schema.json")
    renames = [s for s in rules["steps"] if "rename" in s]
    # 16 keys (kernel, bias, their Adam slots, per layer) need 2 scope rules, not 16.
    assert len(rules["steps"]) <= 3 and renames, rules
    # With the emitted rules everything matches, and the text shows each key's new name.
    p = tfmeta("ckpt", "match", old, "--meta", new + ".meta", "--rules", emitted, "--strict")
    assert "0 missing, 0 unused" in p.stdout
    assert "net/layer1/kernel (as model/dense_1/kernel)" in p.stdout

    dst = tmp_path / "renamed" / "model"
    tfmeta("ckpt", "rename", old, dst, "--rules", emitted)
    # The renamed .meta imports, and its saver restores the renamed checkpoint.
    with tf.Graph().as_default():
        saver = tf1.train.import_meta_graph(str(dst) + ".meta")
        with tf1.Session() as s:
            saver.restore(s, str(dst))
            for v in tf1.global_variables():
                name = v.op.name
                key = name.replace("model/dense_1/", "net/layer1/").replace("model/dense_2/", "net/layer2/")
                np.testing.assert_array_equal(s.run(v), old_values[key])
    # The new graph's own saver restores it too.
    with tf.Graph().as_default():
        saver = tf1.train.import_meta_graph(new + ".meta")
        with tf1.Session() as s:
            saver.restore(s, str(dst))
            k = [v for v in tf1.global_variables() if v.op.name == "model/dense_2/kernel"][0]
            np.testing.assert_array_equal(s.run(k), old_values["net/layer2/kernel"])


def test_match_meta_uses_the_saver_keys_not_the_variable_names(tmp_path):
    """After `meta rescope --add-scope`, TF's saver still reads the old keys."""
    old = tf1_graph(tmp_path / "old" / "model", "net", ["layer1"], 12)
    scoped = tmp_path / "scoped.meta"
    tfmeta("meta", "rescope", old + ".meta", scoped, "--add-scope", "outer")
    p = tfmeta("ckpt", "match", old, "--meta", scoped, "--strict")
    assert " 0 missing, 0 unused" in p.stdout
    with tf.Graph().as_default():
        saver = tf1.train.import_meta_graph(str(scoped))
        assert any(v.op.name.startswith("outer/net/") for v in tf1.global_variables())
        with tf1.Session() as s:
            saver.restore(s, old)          # TensorFlow agrees: it restores
    # A scope rename (--strip-scope A --add-scope B) keeps the nodes outside A.
    renamed = tmp_path / "renamed.meta"
    tfmeta("meta", "rescope", old + ".meta", renamed, "--strip-scope", "net", "--add-scope", "model")
    with tf.Graph().as_default():
        saver = tf1.train.import_meta_graph(str(renamed))
        names = {v.op.name for v in tf1.global_variables()}
        assert "model/layer1/kernel" in names and "global_step" in names
        with tf1.Session() as s:
            saver.restore(s, old)
    # --rules renames nodes; with --saver-keys the keys too, for a checkpoint renamed alike.
    rules = write_rules(tmp_path / "r.json", [{"rename": {"pattern": "^net/", "replacement": "m/"}}])
    tfmeta("meta", "rescope", old + ".meta", tmp_path / "r.meta", "--rules", rules, "--saver-keys")
    tfmeta("ckpt", "rename", old, tmp_path / "r" / "model", "--rules", rules, "--no-meta")
    assert not os.path.exists(tmp_path / "r" / "model.meta")
    with tf.Graph().as_default():
        saver = tf1.train.import_meta_graph(str(tmp_path / "r.meta"))
        with tf1.Session() as s:
            saver.restore(s, str(tmp_path / "r" / "model"))


def test_directory_every_listed_checkpoint_renamed_with_its_meta_and_state(tmp_path):
    src = tmp_path / "train"
    os.makedirs(src)
    saved = {}
    with tf.Graph().as_default():
        with tf1.variable_scope("net"):
            w = tf1.get_variable("w", initializer=np.zeros((2, 2), np.float32))
        inc = w.assign_add(tf.ones((2, 2)))
        step = tf1.train.get_or_create_global_step()
        saver = tf1.train.Saver(max_to_keep=5)
        with tf1.Session() as s:
            s.run(tf1.global_variables_initializer())
            for i in range(3):
                s.run([inc, step.assign_add(1)])
                path = saver.save(s, str(src / "model.ckpt"), global_step=i + 1)
                saved[os.path.basename(path)] = s.run(w)
    rules = write_rules(tmp_path / "r.json", [{"rename": {"pattern": "^net/", "replacement": "model/"}}])
    out = tmp_path / "out" / "converted"
    p = tfmeta("ckpt", "rename", src, out, "--rules", rules, "--json")
    report = json.loads(p.stdout)
    assert report["latest"] == "model.ckpt-3" and len(report["checkpoints"]) == 3
    assert tf.train.latest_checkpoint(str(out)) == str(out / "model.ckpt-3")
    state = tf.train.get_checkpoint_state(str(out))
    assert [os.path.basename(x) for x in state.all_model_checkpoint_paths] == ["model.ckpt-1", "model.ckpt-2", "model.ckpt-3"]
    for name, value in saved.items():
        with tf.Graph().as_default():
            saver = tf1.train.import_meta_graph(str(out / name) + ".meta")
            with tf1.Session() as s:
                saver.restore(s, str(out / name))
                v = [v for v in tf1.global_variables() if v.op.name == "model/w"][0]
                np.testing.assert_array_equal(s.run(v), value)
    # The source is untouched, and a second run without --overwrite refuses.
    assert set(read_all(src / "model.ckpt-3")) == {"net/w", "global_step"}
    p = tfmeta("ckpt", "rename", src, out, "--rules", rules, check=False)
    assert p.returncode == 1 and "--overwrite" in p.stderr


def test_drop_optimizer_with_meta_takes_the_dropped_keys_out_of_the_saver(tmp_path):
    src = tf1_graph(tmp_path / "old" / "model", "net", ["layer1"], 13)
    old = read_all(src)
    dst = tmp_path / "small" / "model"
    p = tfmeta("ckpt", "rename", src, dst, "--preset", "drop-optimizer", "--preset", "drop-step", "--json")
    report = json.loads(p.stdout)["rules"]
    assert report["meta"] is not None and "no longer saves or restores" in report["meta_notes"][0]
    assert set(read_all(dst)) == {"net/layer1/kernel", "net/layer1/bias"}
    with tf.Graph().as_default():
        saver = tf1.train.import_meta_graph(str(dst) + ".meta")
        with tf1.Session() as s:
            s.run(tf1.global_variables_initializer())
            saver.restore(s, str(dst))
            for name in ("net/layer1/kernel", "net/layer1/bias"):
                v = [v for v in tf1.global_variables() if v.op.name == name][0]
                np.testing.assert_array_equal(s.run(v), old[name])
            # The pruned saver still saves: exactly the kept keys.
            again = saver.save(s, str(tmp_path / "again" / "model"))
    assert set(read_all(again)) == {"net/layer1/kernel", "net/layer1/bias"}


def test_to_names_with_rules_restores_into_renamed_tf1_variables(tmp_path):
    rng = np.random.default_rng(14)
    w0 = rng.standard_normal((3, 2)).astype(np.float32)
    root = tf.Module()
    with tf.name_scope("net"):
        root.w = tf.Variable(w0, name="kernel")
    root.step = tf.Variable(5, dtype=tf.int64, name="global_step")
    src = tf.train.Checkpoint(root=root).write(str(tmp_path / "obj" / "ckpt"))
    rules = write_rules(tmp_path / "r.json", [{"rename": {"pattern": "^net/", "replacement": "model/"}},
                                               {"transpose": {"pattern": "kernel$", "perm": [1, 0]}}])
    p = tfmeta("ckpt", "to-names", src, tmp_path / "names" / "model", "--rules", rules,
               "--preset", "drop-step", "--json")
    renamed = {r["to"] for r in json.loads(p.stdout)["renamed"]}
    assert renamed == {"model/kernel"}
    with tf.Graph().as_default():
        v = tf1.get_variable("model/kernel", shape=[2, 3])
        with tf1.Session() as s:
            tf1.train.Saver([v]).restore(s, str(tmp_path / "names" / "model"))
            np.testing.assert_array_equal(s.run(v), w0.T)
