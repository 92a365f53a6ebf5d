"""Interop: `tfmeta ckpt to-object`, `to-names` and `rename` judged by TensorFlow.

Run with the project's TensorFlow venv, after `swift build`:

    TF_CPP_MIN_LOG_LEVEL=3 ~/.cache/metagraphkit/venv-tf/bin/python -m pytest Tests/Interop/test_remap.py

The built binary is $TFMETA (default `.build/debug/tfmeta`). TensorFlow must be
importable: a missing TensorFlow is a failure, not a skip. Every checkpoint and
model is made by TensorFlow in the test's temporary directory:

* a TF1 graph-mode model trained one step with tf.compat.v1 Adam, saved by a TF1
  Saver (V1 and V2), restored through `to-object` into a Keras 3 model and its
  Keras Adam built in TF2 (`assert_existing_objects_matched()`; every value equal,
  Adam slots through the slot conventions);
* the same with the TF1 names under an old scope, which needs `--rule`;
* a TF2 object-based checkpoint of eager variables (two of them called
  `Variable`) turned by `to-names` and restored by a TF1 `Saver`;
* a SavedModel's variables as the template.
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from conftest import tfmeta  # noqa: E402
import tensorflow as tf  # noqa: E402  (conftest fails the suite if it cannot import)
import keras  # noqa: E402

tf1 = tf.compat.v1



def keras_model():
    model = keras.Sequential([
        keras.Input((3,)),
        keras.layers.Dense(4, name="hidden"),
        keras.layers.Dense(2, name="out"),
    ], name="tiny")
    opt = keras.optimizers.Adam(0.01, name="adam")
    opt.build(model.trainable_variables)
    return model, opt


def full_names(prefix):
    """full_name → checkpoint key of an object-based checkpoint, by TensorFlow."""
    from tensorflow.python.training.saver import object_graph_key_mapping
    return object_graph_key_mapping(prefix)


def write_tf1(path, names_and_shapes, scope, version):
    """A TF1 graph-mode model with the given variable names, one Adam step, saved."""
    rng = np.random.default_rng(3)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with tf.Graph().as_default():
        variables = []
        for name, shape in names_and_shapes:
            variables.append(tf1.get_variable(scope + name, initializer=rng.standard_normal(shape).astype(np.float32)))
        loss = tf.add_n([tf.reduce_sum(tf.square(v)) for v in variables])
        step = tf1.train.get_or_create_global_step()
        train = tf1.train.AdamOptimizer(0.1).minimize(loss, global_step=step)
        saver = tf1.train.Saver(write_version=version)
        with tf1.Session() as s:
            s.run(tf1.global_variables_initializer())
            s.run(train)
            return saver.save(s, path)


def restore_into_keras(dst, tmp):
    """Reads dst into a fresh Keras model + Adam; returns their values, written back by TF."""
    model, opt = keras_model()
    status = tf.train.Checkpoint(model=model, optimizer=opt).read(str(dst))
    status.assert_existing_objects_matched()
    after = tf.train.Checkpoint(model=model, optimizer=opt).write(str(tmp / "after"))
    return tf.train.load_checkpoint(after)


def model_variables(template):
    """(full name, shape) of the template's model weights (not optimizer variables)."""
    reader = tf.train.load_checkpoint(template)
    shapes = reader.get_variable_to_shape_map()
    return [(name, shapes[key]) for name, key in sorted(full_names(template).items())
            if name.startswith("tiny/")]


@pytest.mark.parametrize("version", ["V1", "V2"])
@pytest.mark.parametrize("scoped", [False, True])
def test_tf1_checkpoint_restores_into_keras(tmp_path, version, scoped):
    model, opt = keras_model()
    template = tf.train.Checkpoint(model=model, optimizer=opt).write(str(tmp_path / "template"))
    variables = model_variables(template)
    assert len(variables) == 4, variables
    scope = "old_scope/" if scoped else ""
    src = write_tf1(str(tmp_path / "tf1" / "model.ckpt"), variables, scope,
                    tf1.train.SaverDef.V1 if version == "V1" else tf1.train.SaverDef.V2)
    dst = tmp_path / "converted"
    rules = ["--rule", "^old_scope/=>"] if scoped else []
    if scoped:
        # Without the rule nothing matches and --strict refuses before writing.
        p = tfmeta("ckpt", "to-object", src, "--template", template, dst, "--strict", check=False)
        assert p.returncode == 1 and "--strict" in p.stderr, p.stderr
        assert not os.path.exists(str(dst) + ".index")
    p = tfmeta("ckpt", "to-object", src, "--template", template, dst, "--fill-from-template", "--json", *rules)
    report = json.loads(p.stdout)
    match = report["match"]
    # 4 weights + 8 Adam slots + global_step as Keras's iteration counter; the
    # learning rate is filled (beta1_power/beta2_power are no learning rate).
    assert match["counts"]["matched"] == 13, match
    assert sorted(report["filled"]) == [full_names(template)["adam/learning_rate"]]
    assert {u["source"].removeprefix(scope) for u in match["unused"]} == {"beta1_power", "beta2_power"}
    assert all(u["suggestion"] is None for u in match["unused"])
    assert sum(m["via"] == "slot_convention" for m in match["matched"]) == 8
    assert [m["source"].removeprefix(scope) for m in match["matched"] if m["via"] == "step_counter"] == ["global_step"]

    restored = restore_into_keras(dst, tmp_path)
    original = tf.train.load_checkpoint(src)
    for pair in match["matched"]:
        np.testing.assert_array_equal(restored.get_tensor(pair["target"]), original.get_tensor(pair["source"]))
    # The slots really are Adam's m and v of the right variables.
    keys = full_names(template)
    np.testing.assert_array_equal(restored.get_tensor(keys["adam/tiny_out_kernel_velocity"]),
                                  original.get_tensor(scope + "tiny/out/kernel/Adam_1"))


def test_object_checkpoint_to_names_restores_with_tf1_saver(tmp_path):
    values = {
        "a": np.arange(6, dtype=np.float32).reshape(2, 3),
        "b": np.array([1.5, -2.5], np.float32),
        "c": np.array(7, np.int64),
    }
    ckpt = tf.train.Checkpoint(
        a=tf.Variable(values["a"], name="scope/a"),
        b=tf.Variable(values["b"]),          # eager names: both "Variable"
        c=tf.Variable(values["c"]),
    )
    src = ckpt.write(str(tmp_path / "object"))
    dst = tmp_path / "names"
    strict = tfmeta("ckpt", "to-names", src, tmp_path / "strict", "--strict", check=False)
    assert strict.returncode == 1 and "share the full name Variable" in strict.stderr
    p = tfmeta("ckpt", "to-names", src, dst, "--json")
    report = json.loads(p.stdout)
    assert "warning:" in p.stderr
    (dup,) = report["duplicates"]
    assert dup["full_name"] == "Variable" and dup["names"] == ["Variable", "Variable_1"]
    by_key = {"a/.ATTRIBUTES/VARIABLE_VALUE": "a", "b/.ATTRIBUTES/VARIABLE_VALUE": "b",
              "c/.ATTRIBUTES/VARIABLE_VALUE": "c"}
    order = [by_key[k] for k in dup["keys"]]

    with tf.Graph().as_default():
        a = tf1.Variable(np.zeros((2, 3), np.float32), name="scope/a")
        # Created in object graph order, TF1 names them Variable, Variable_1.
        made = {n: tf1.Variable(np.zeros_like(values[n]), name="Variable") for n in order}
        assert [made[n].op.name for n in order] == ["Variable", "Variable_1"]
        saver = tf1.train.Saver()
        with tf1.Session() as s:
            saver.restore(s, str(dst))
            np.testing.assert_array_equal(s.run(a), values["a"])
            for n in order:
                np.testing.assert_array_equal(s.run(made[n]), values[n])


def test_saved_model_variables_as_template(tmp_path):
    module = tf.Module()
    module.w = tf.Variable(np.ones((2, 2), np.float32), name="w")
    module.b = tf.Variable(np.zeros((2,), np.float32), name="b")
    module.f = tf.function(lambda x: tf.matmul(x, module.w) + module.b,
                           input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    tf.saved_model.save(module, str(tmp_path / "sm"))

    w = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    b = np.array([0.5, -0.5], np.float32)
    (tmp_path / "tf1").mkdir()
    with tf.Graph().as_default():
        tf1.Variable(w, name="net/w")
        tf1.Variable(b, name="net/b")
        tf1.Variable(np.int64(5), name="global_step")
        with tf1.Session() as s:
            s.run(tf1.global_variables_initializer())
            src = tf1.train.Saver().save(s, str(tmp_path / "tf1" / "ckpt"))
    dst = tmp_path / "converted"
    tfmeta("ckpt", "to-object", src, "--template", tmp_path / "sm", dst, "--rule", "^net/=>", "--drop", "global_step", "--strict")

    fresh = tf.Module()
    fresh.w = tf.Variable(np.zeros((2, 2), np.float32))
    fresh.b = tf.Variable(np.zeros((2,), np.float32))
    tf.train.Checkpoint(fresh).read(str(dst)).assert_existing_objects_matched()
    np.testing.assert_array_equal(fresh.w.numpy(), w)
    np.testing.assert_array_equal(fresh.b.numpy(), b)

    # The converted bundle drops into the SavedModel in place of its variables.
    for f in (tmp_path / "sm" / "variables").iterdir():
        f.unlink()
    for f in tmp_path.glob("converted.*"):
        f.rename(tmp_path / "sm" / "variables" / f.name.replace("converted", "variables"))
    loaded = tf.saved_model.load(str(tmp_path / "sm"))
    np.testing.assert_allclose(loaded.f(tf.constant([[1.0, 1.0]])).numpy(), [[4.5, 5.5]])


def test_rename_is_read_by_tensorflow(tmp_path):
    with tf.Graph().as_default():
        tf1.get_variable("old/part", shape=[10, 3], partitioner=tf1.fixed_size_partitioner(3),
                         initializer=tf1.random_normal_initializer(seed=1))
        tf1.Variable([b"x", b"yz"], name="old/words")
        tf1.Variable(np.arange(4, dtype=np.int32), name="old/ints")
        with tf1.Session() as s:
            s.run(tf1.global_variables_initializer())
            src = tf1.train.Saver().save(s, str(tmp_path / "src"))
    dst = tmp_path / "dst"
    tfmeta("ckpt", "rename", src, dst, "--rule", "^old/(.*)$=>new/$1")
    a, b = tf.train.load_checkpoint(src), tf.train.load_checkpoint(str(dst))
    assert sorted(b.get_variable_to_shape_map()) == ["new/ints", "new/part", "new/words"]
    for name in ["part", "words", "ints"]:
        np.testing.assert_array_equal(b.get_tensor("new/" + name), a.get_tensor("old/" + name))
    # The partitioned variable kept its slices: a TF1 partitioned variable restores it.
    with tf.Graph().as_default():
        v = tf1.get_variable("new/part", shape=[10, 3], partitioner=tf1.fixed_size_partitioner(3))
        with tf1.Session() as s:
            tf1.train.Saver([v]).restore(s, str(dst))
            np.testing.assert_array_equal(s.run(tf.convert_to_tensor(v)), a.get_tensor("old/part"))


def test_rename_into_three_shards_is_read_by_tensorflow(tmp_path):
    from conftest import FIXTURES
    src = FIXTURES / "ckpt" / "v2_dtypes"
    tfmeta("ckpt", "rename", src, tmp_path / "r", "--rule", "^=>x/", "--shards", "3")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "r.data-00000-of-00003", "r.data-00001-of-00003", "r.data-00002-of-00003", "r.index"]
    a, b = tf.train.load_checkpoint(str(src)), tf.train.load_checkpoint(str(tmp_path / "r"))
    keys = a.get_variable_to_shape_map()
    assert set(b.get_variable_to_shape_map()) == {"x/" + k for k in keys}
    for k in keys:
        x, y = np.asarray(a.get_tensor(k)), np.asarray(b.get_tensor("x/" + k))
        assert x.shape == y.shape, k
        if x.dtype == object:
            assert list(x.flat) == list(y.flat), k
        else:
            assert x.tobytes() == y.tobytes(), k
