"""Makes the TensorFlow-written samples of the transform tests (Conversion/Samples).

Run with the cached TensorFlow virtual environment:

    TF_CPP_MIN_LOG_LEVEL=3 ~/.cache/metagraphkit/venv-tf/bin/python make_samples.py [OUTDIR] [--checkpoint]

OUTDIR defaults to the Samples folder beside this file. The graph has the scopes
`net/` and `network/` (a prefix trap for TensorFlow's plain `startswith` test),
devices, colocation inside and across the scope, control dependencies, a ref
variable (VariableV2), resource variables (VarHandleOp), a partitioned variable,
a v1 while loop (WhileContextDef, Enter frame names), a v1 cond
(CondContextDef), a queue runner (QueueRunnerDef), two savers in `net/` and
collections of every kind. Outputs (all binary MetaGraphDef unless noted):

  graph.meta                 the whole graph, as Saver.export_meta_graph writes it
  tf_export_net.meta         export_scope='net', clear_devices, strip_default_attrs
  tf_export_net_plain.meta   export_scope='net' alone
  tf_clear_savers.meta       clear_extraneous_savers=True (no scope)
  tf_strip_defaults.meta     strip_default_attrs=True (no scope)
  saved_model/saved_model.pb a SavedModel with the tag sets {serve} and {train, gpu}

With --checkpoint it also saves OUTDIR/ckpt/model with the first saver (`net/save`),
after giving every variable distinct values; the interop tests restore it.
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf1 = tf.compat.v1


def build_graph():
    """Builds the sample graph; returns (graph, saver, saver_1, x, y)."""
    tf1.disable_control_flow_v2()
    graph = tf.Graph()
    with graph.as_default():
        with tf.device("/cpu:0"):
            x = tf1.placeholder(tf.float32, [None, 3], name="x")
        with tf1.variable_scope("network"):
            v = tf1.get_variable("v", [4], initializer=tf1.zeros_initializer(), use_resource=True)
        with tf1.variable_scope("net"):
            with tf.device("/cpu:0"):
                w = tf1.get_variable("w", [3, 2], initializer=tf1.ones_initializer(), use_resource=False)
            b = tf1.get_variable("b", [2], initializer=tf1.zeros_initializer(), use_resource=True)
            part = tf1.get_variable("part", [10, 3], initializer=tf1.zeros_initializer(),
                                    partitioner=tf1.fixed_size_partitioner(3), use_resource=True)
            with tf1.colocate_with(w):
                w_copy = tf.identity(w, name="w_copy")
            with tf1.colocate_with(v):
                v_copy = tf.identity(v.read_value(), name="v_copy")
            y = tf.add(tf.matmul(x, w), b, name="y")
            with tf.control_dependencies([x.op, w_copy.op]):
                z = tf.identity(y, name="z")
            total = tf.reduce_sum(tf1.convert_to_tensor(part), name="part_sum")
            i = tf.constant(0, name="i0")
            loop = tf1.while_loop(lambda k: k < 3, lambda k: k + 1, [i], name="loop")
            branch = tf1.cond(total > 0, lambda: y * 2.0, lambda: tf.identity(y), name="branch")
            queue = tf1.FIFOQueue(4, [tf.float32], shapes=[[]], name="queue")
            enqueue = queue.enqueue([total], name="enqueue")
            tf1.train.add_queue_runner(tf1.train.QueueRunner(queue, [enqueue]))
            saver = tf1.train.Saver([w, b] + list(part), max_to_keep=3)
            saver_1 = tf1.train.Saver([w], sharded=True)
        tf1.add_to_collection(tf1.GraphKeys.SAVERS, saver)
        tf1.add_to_collection(tf1.GraphKeys.SAVERS, saver_1)
        tf1.add_to_collection("outputs", y)
        tf1.add_to_collection("outputs", z)
        tf1.add_to_collection("outputs", v_copy)
        tf1.add_to_collection("outputs", total)
        tf1.add_to_collection("outputs", loop)
        tf1.add_to_collection("outputs", branch)
        tf1.add_to_collection("notes", "hello")
        tf1.add_to_collection("notes", "net/y:0")
        tf1.add_to_collection("numbers", 3)
        tf1.add_to_collection("numbers", 4)
        tf1.add_to_collection("ratios", 0.5)
    return graph, saver, saver_1, x, y


def write_samples(out):
    os.makedirs(out, exist_ok=True)
    graph, saver, saver_1, x, y = build_graph()
    with graph.as_default():
        saver.export_meta_graph(os.path.join(out, "graph.meta"))
        saver.export_meta_graph(os.path.join(out, "tf_export_net.meta"), export_scope="net",
                                clear_devices=True, strip_default_attrs=True)
        saver.export_meta_graph(os.path.join(out, "tf_export_net_plain.meta"), export_scope="net")
        saver.export_meta_graph(os.path.join(out, "tf_clear_savers.meta"), clear_extraneous_savers=True)
        saver.export_meta_graph(os.path.join(out, "tf_strip_defaults.meta"), strip_default_attrs=True)
        sm = os.path.join(out, "saved_model")
        if os.path.exists(sm):
            import shutil
            shutil.rmtree(sm)
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            builder = tf1.saved_model.Builder(sm)
            sig = tf1.saved_model.predict_signature_def({"x": x}, {"y": y})
            builder.add_meta_graph_and_variables(sess, ["serve"], signature_def_map={"serving_default": sig})
            builder.add_meta_graph(["train", "gpu"])
            builder.save()
        # Only saved_model.pb is a sample; its variables are not needed.
        import shutil
        shutil.rmtree(os.path.join(sm, "variables"), ignore_errors=True)
        shutil.rmtree(os.path.join(sm, "assets"), ignore_errors=True)
    return graph


def write_checkpoint(out):
    """Saves OUTDIR/ckpt/model with `net/save`; returns {variable op name: value}."""
    graph, saver, _, _, _ = build_graph()
    values = {}
    with graph.as_default(), tf1.Session() as sess:
        sess.run(tf1.global_variables_initializer())
        for n, var in enumerate(tf1.global_variables()):
            value = np.arange(np.prod(var.shape), dtype=np.float32).reshape(var.shape) + 10 * n + 1
            var.load(value, sess)
            values[var.op.name] = value
        os.makedirs(os.path.join(out, "ckpt"), exist_ok=True)
        saver.save(sess, os.path.join(out, "ckpt", "model"), write_meta_graph=False)
    return values


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    target = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "Samples")
    write_samples(target)
    if "--checkpoint" in sys.argv:
        write_checkpoint(target)
