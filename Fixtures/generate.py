#!/usr/bin/env python3
"""Regenerate MetaGraphKit's TensorFlow-written test fixtures.

    PY=$(Scripts/tf-venv.sh | tail -1)
    "$PY" Fixtures/generate.py                 # everything
    "$PY" Fixtures/generate.py meta ckpt_v2_dtypes   # only some sections

Every file under Fixtures/{meta,saved_model,state,ckpt} is written by TensorFlow
2.21.0 itself (see Fixtures/README.md for which call made which file), except the
two tables generate.py re-compresses with Snappy (ckpt/v2_snappy.index,
ckpt/v1_snappy; see resnappy_table). Each section runs
in its own Python process, so graph/eager mode, control-flow switches and
TensorFlow's global name counters never leak from one section into another; that
is also what keeps the output byte-stable between runs.

A run wipes the output folders it owns (all four when run without arguments, or
the files of the named sections) and writes them again. Fixtures/corrupt/ is not
touched. After writing, each section reads its files back with TensorFlow and
fails loudly if they do not say what was written.
"""
import base64
import glob
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
META = os.path.join(HERE, "meta")
SAVED_MODEL = os.path.join(HERE, "saved_model")
STATE = os.path.join(HERE, "state")
CKPT = os.path.join(HERE, "ckpt")
KERAS = os.path.join(HERE, "keras")
NPZ = os.path.join(HERE, "npz")
OWNED_DIRS = [META, SAVED_MODEL, STATE, CKPT, KERAS, NPZ]

# Where state/absolute is written before it is copied into the repository. A fixed
# path, removed afterwards: the committed checkpoint file then always describes a
# checkpoint directory that has moved (the case `tfmeta state rebase` repairs).
ABSOLUTE_GEN_DIR = "/tmp/metagraphkit-fixture-gen/state/absolute"

TF_VERSION = "2.21.0"


# --------------------------------------------------------------------------
# Helpers shared by the sections (TensorFlow is imported lazily).
# --------------------------------------------------------------------------

def tf_modules():
    import numpy as np
    import tensorflow as tf
    if tf.__version__ != TF_VERSION:
        sys.exit(f"generate.py: TensorFlow {TF_VERSION} required, found {tf.__version__}")
    tf.get_logger().setLevel("ERROR")
    return np, tf


def b64(data):
    return base64.b64encode(bytes(data)).decode("ascii")


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write("\n")


def write_expected_json(path, obj):
    """Like write_json, but one line per tensor: small, and still diffable."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("{\n")
        for k, v in sorted(obj.items()):
            if k != "tensors":
                f.write(f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},\n")
        f.write(' "tensors": {\n')
        tensors = sorted(obj["tensors"].items())
        for i, (k, v) in enumerate(tensors):
            sep = "," if i + 1 < len(tensors) else ""
            f.write(f"  {json.dumps(k, ensure_ascii=False)}: "
                    f"{json.dumps(v, sort_keys=True, ensure_ascii=False, separators=(',', ':'))}{sep}\n")
        f.write(" }\n}\n")
    with open(path, encoding="utf-8") as f:
        assert json.load(f) == obj


def remove_prefix_files(directory, name):
    """Delete NAME, NAME.*, NAME-* in directory (one fixture's files)."""
    for path in glob.glob(os.path.join(directory, glob.escape(name))) + \
            glob.glob(os.path.join(directory, glob.escape(name) + ".*")) + \
            glob.glob(os.path.join(directory, glob.escape(name) + "-*")):
        if os.path.isdir(path):
            shutil.rmtree(path)
        else:
            os.remove(path)


def tensor_record(np, value, dtype_name, shape):
    """The expected-JSON record for one tensor, from TensorFlow's numpy value."""
    if dtype_name == "string":
        if isinstance(value, bytes):
            items = [value]
        else:
            arr = np.asarray(value, dtype=object)
            assert list(arr.shape) == list(shape), (arr.shape, shape)
            items = list(arr.reshape(-1))
        assert all(isinstance(x, bytes) for x in items)
        return {"dtype": "string", "shape": list(shape), "strings": [b64(x) for x in items]}
    arr = np.asarray(value)
    assert list(arr.shape) == list(shape), (arr.shape, shape)
    arr = np.ascontiguousarray(arr)
    if arr.dtype.byteorder == ">":
        arr = arr.byteswap().view(arr.dtype.newbyteorder("<"))
    return {"dtype": dtype_name, "shape": list(shape), "raw": b64(arr.tobytes())}


def restore_v2(tf, prefix, key, dtype):
    """Read one whole tensor through the RestoreV2 kernel (V2, or V1 fallback)."""
    return tf.raw_ops.RestoreV2(prefix=prefix, tensor_names=[key],
                                shape_and_slices=[""], dtypes=[dtype])[0].numpy()


def same_record(a, b):
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


READ_WITH = "tf.train.load_checkpoint(prefix).get_tensor(key)"


def write_expected(name, fmt, prefix_rel, extra=None, base=CKPT):
    """Read checkpoint `prefix_rel` (relative to `base`, default ckpt/) back with
    TensorFlow and write base/NAME.expected.json.

    Keys are listed as tf.train.list_variables lists them. Each value is read with
    tf.train.load_checkpoint(...).get_tensor; where that reader refuses (sliced V1
    tensors), tf.raw_ops.RestoreV2 reads it instead. Every value that both can read
    is read by both and must agree. The top-level "read_with" names the reader;
    a tensor read otherwise has its own "read_with" and the "reader_error" the
    first reader gave.
    """
    np, tf = tf_modules()
    prefix = os.path.join(base, prefix_rel)
    reader = tf.train.load_checkpoint(prefix)
    dtypes = reader.get_variable_to_dtype_map()
    shapes = reader.get_variable_to_shape_map()
    listed = [k for k, _ in tf.train.list_variables(prefix)]
    assert sorted(listed) == sorted(shapes), "list_variables and the reader disagree"
    tensors = {}
    for key in sorted(listed):
        dtype = dtypes[key]
        shape = shapes[key]
        record = None
        via_reader = None
        reader_error = None
        try:
            via_reader = tensor_record(np, reader.get_tensor(key), dtype.name, shape)
        except tf.errors.UnimplementedError as e:
            # "Sliced checkpoints are not supported" (V1 slices), "Data type not
            # supported" (some dtypes in V1 files): RestoreV2 reads those.
            reader_error = str(e)
        try:
            via_restore = tensor_record(np, restore_v2(tf, prefix, key, dtype), dtype.name, shape)
        except tf.errors.OpError:
            via_restore = None
        if via_reader is not None:
            record = via_reader
            if via_restore is not None:
                assert same_record(via_reader, via_restore), f"{name}: {key}: readers disagree"
        elif via_restore is not None:
            record = dict(via_restore, read_with="tf.raw_ops.RestoreV2",
                          reader_error=reader_error)
        else:
            raise RuntimeError(f"{name}: TensorFlow could not read {key!r}")
        tensors[key] = record
    out = {"format": fmt, "prefix": prefix_rel, "read_with": READ_WITH, "tensors": tensors}
    if extra:
        out.update(extra)
    write_expected_json(os.path.join(base, name + ".expected.json"), out)
    return out


def write_objgraph(name, prefix_rel):
    """ckpt/NAME.objgraph.json: the TrackableObjectGraph TF stored in the checkpoint."""
    _, tf = tf_modules()
    from tensorflow.core.protobuf import trackable_object_graph_pb2
    reader = tf.train.load_checkpoint(os.path.join(CKPT, prefix_rel))
    graph = trackable_object_graph_pb2.TrackableObjectGraph()
    graph.ParseFromString(reader.get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH"))
    nodes = []
    for node_id, node in enumerate(graph.nodes):
        entry = {
            "node_id": node_id,
            "children": [{"node_id": c.node_id, "local_name": c.local_name} for c in node.children],
            "attributes": [{"name": a.name, "full_name": a.full_name, "checkpoint_key": a.checkpoint_key}
                           for a in node.attributes],
            "slot_variables": [{"original_variable_node_id": s.original_variable_node_id,
                                "slot_name": s.slot_name,
                                "slot_variable_node_id": s.slot_variable_node_id}
                               for s in node.slot_variables],
        }
        if node.HasField("registered_saver"):
            entry["registered_saver"] = {"name": node.registered_saver.name,
                                         "object_name": node.registered_saver.object_name}
        if node.HasField("has_checkpoint_values"):
            entry["has_checkpoint_values"] = node.has_checkpoint_values.value
        nodes.append(entry)
    path = os.path.join(CKPT, name + ".objgraph.json")
    with open(path, "w", encoding="utf-8") as f:  # one node per line
        f.write("{\n")
        f.write(f' "prefix": {json.dumps(prefix_rel)},\n "nodes": [\n')
        for i, node in enumerate(nodes):
            sep = "," if i + 1 < len(nodes) else ""
            f.write(f"  {json.dumps(node, sort_keys=True, ensure_ascii=False, separators=(',', ':'))}{sep}\n")
        f.write(" ]\n}\n")
    with open(path, encoding="utf-8") as f:
        assert json.load(f) == {"prefix": prefix_rel, "nodes": nodes}


def quiet_saver_logs():
    # The V1 deprecation banner and similar go through absl logging.
    from absl import logging as absl_logging
    absl_logging.set_verbosity(absl_logging.ERROR)


# Values used for the dtype checkpoints: chosen, not random.
def dtype_values(np, tf, v1):
    """(key, tf.Tensor) pairs covering every dtype the format can store."""
    import ml_dtypes
    out = []
    f_special = [np.nan, np.inf, -np.inf, -0.0, 0.0, 1.0, -2.5]
    floats = [("float16", np.float16), ("float32", np.float32), ("float64", np.float64)]
    if not v1:
        floats.insert(1, ("bfloat16", ml_dtypes.bfloat16))
    for name, npt in floats:
        info = np.finfo(npt) if npt is not ml_dtypes.bfloat16 else ml_dtypes.finfo(npt)
        out.append((f"{name}/matrix", np.array([[0.5, -1.25, 3.0], [1e-3, 100.0, -7.75]], dtype=npt)))
        out.append((f"{name}/scalar", np.array(1.5, dtype=npt)))
        out.append((f"{name}/special", np.array(f_special + [float(info.max), float(info.tiny),
                                                             float(info.smallest_subnormal)], dtype=npt)))
    ints = ["int8", "int16", "int32", "int64", "uint8", "uint16"]
    if not v1:
        ints += ["uint32", "uint64"]
    for name in ints:
        npt = np.dtype(name)
        info = np.iinfo(npt)
        out.append((f"{name}/matrix", np.array([[0, 1, 2], [3, 100, 127]], dtype=npt)))
        out.append((f"{name}/scalar", np.array(info.max - 1, dtype=npt)))
        out.append((f"{name}/extremes", np.array([info.min, info.max, 0, 1, info.min + 1], dtype=npt)))
    out.append(("bool/vector", np.array([True, False, True, True], dtype=np.bool_)))
    out.append(("bool/scalar", np.array(True)))
    out.append(("bool/matrix", np.array([[False, True], [True, False]])))
    out.append(("complex64/vector", np.array([1 + 2j, -0.5 - 0.25j, complex(np.inf, np.nan)], dtype=np.complex64)))
    out.append(("complex64/scalar", np.array(3 - 4j, dtype=np.complex64)))
    out.append(("complex128/matrix", np.array([[1 + 1j, 2 - 2j], [-3.5 + 0j, 0 - 1e-300j]], dtype=np.complex128)))
    out.append(("complex128/scalar", np.array(-1j, dtype=np.complex128)))
    # Strings: empty, non-UTF-8 bytes, embedded and trailing NULs, UTF-8, lengths
    # whose varint needs 1, 2 and 3 bytes.
    pattern = bytes(range(256))
    out.append(("string/scalar", np.array(b"hello, checkpoint", dtype=object)))
    out.append(("string/vector", np.array([
        b"", b"\x00\xff\xfe\x80 not utf-8 \xc3\x28", "ünïcødé ✓".encode("utf-8"),
        b"trailing nul\x00", (pattern * 2)[:300]], dtype=object)))
    out.append(("string/matrix", np.array([[b"a", b"bc"], [b"", b"def"]], dtype=object)))
    out.append(("string/long", np.array((pattern * 80)[:20000], dtype=object)))
    out.append(("string/empty_scalar", np.array(b"", dtype=object)))
    # Empty tensors.
    out.append(("empty/float32_0", np.zeros([0], np.float32)))
    out.append(("empty/int32_2x0", np.zeros([2, 0], np.int32)))
    out.append(("empty/float64_0x3", np.zeros([0, 3], np.float64)))
    out.append(("empty/string_0", np.zeros([0], dtype=object)))
    # Rank 3 (row-major order), and a key that is not ASCII.
    out.append(("float32/rank3", np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 11.5))
    out.append(("scope/ключ", np.array([7, 8, 9], np.int32)))
    result = []
    for key, arr in out:
        if arr.dtype == object:
            result.append((key, tf.constant(arr, dtype=tf.string)))
        elif arr.dtype == ml_dtypes.bfloat16:
            result.append((key, tf.constant(arr, dtype=tf.bfloat16)))
        else:
            result.append((key, tf.constant(arr)))
    return result


# --------------------------------------------------------------------------
# Sections. Each runs in a fresh process (see main).
# --------------------------------------------------------------------------

def section_meta():
    """meta/: train_graph.{meta,pbtxt} + its V2 checkpoint, while_loop.meta,
    function_library.meta."""
    np, tf = tf_modules()
    tf1 = tf.compat.v1
    from google.protobuf import any_pb2
    from tensorflow.core.framework import tensor_shape_pb2, versions_pb2
    from tensorflow.core.protobuf import meta_graph_pb2
    from google.protobuf import text_format

    prefix = os.path.join(META, "train_graph")
    g = tf.Graph()
    with g.as_default():
        tf1.set_random_seed(1)
        part_full = np.arange(30, dtype=np.float32).reshape(10, 3) / 10.0

        def part_init(shape, dtype=None, partition_info=None):
            o = partition_info.var_offset if partition_info is not None else [0, 0]
            return tf.constant(part_full[o[0]:o[0] + shape[0], o[1]:o[1] + shape[1]])

        x = tf1.placeholder(tf.float32, [None, 3], name="x")
        with tf1.variable_scope("model"):
            w = tf1.get_variable("w", initializer=np.float32([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]))
            b = tf1.get_variable("b", initializer=np.float32([0.0, -1.0]))
            # A TF1 reference variable (VariableV2), not a resource variable.
            scale = tf1.get_variable("scale", initializer=np.float32(2.0), use_resource=False)
            part = tf1.get_variable("part", shape=[10, 3], dtype=tf.float32,
                                    partitioner=tf1.fixed_size_partitioner(3), initializer=part_init)
        counter = tf1.get_variable("counter", initializer=np.int64(0), trainable=False,
                                   collections=[tf1.GraphKeys.LOCAL_VARIABLES])
        global_step = tf1.train.get_or_create_global_step()
        y = tf.identity(tf.matmul(x, w) * scale + b, name="y")
        loss = tf.add(tf.reduce_mean(tf.square(y)), tf.reduce_sum(tf.square(part.as_tensor())), name="loss")
        train_op = tf1.train.AdamOptimizer(0.01).minimize(loss, global_step=global_step, name="train_op")
        count_op = tf1.assign_add(counter, 1, name="count")

        # node_list collections besides TF's own "train_op" (minimize adds it).
        tf1.add_to_collection("inputs", x)
        tf1.add_to_collection("outputs", y)
        tf1.add_to_collection("outputs", loss)
        tf1.add_to_collection("ops", count_op.op)
        # bytes_list of plain strings (str and bytes; TF stores both as bytes).
        for s in ["alpha", "ünïcødé", b"\x00\xffraw\x80bytes", ""]:
            tf1.add_to_collection("custom_strings", s)
        # int64_list and float_list.
        for i in [0, 7, -1, 2 ** 40, -(2 ** 63)]:
            tf1.add_to_collection("custom_ints", i)
        for f in [0.5, -2.25, 3.0, 1e10]:
            tf1.add_to_collection("custom_floats", f)
        # any_list: google.protobuf.Any values.
        a1 = any_pb2.Any()
        a1.Pack(tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=4, name="batch"),
                                                       tensor_shape_pb2.TensorShapeProto.Dim(size=-1)]))
        a2 = any_pb2.Any()
        a2.Pack(versions_pb2.VersionDef(producer=7, min_consumer=3, bad_consumers=[4, 5]))
        tf1.add_to_collection("custom_any", a1)
        tf1.add_to_collection("custom_any", a2)

        saver = tf1.train.Saver(save_relative_paths=True)
        tf1.add_to_collection(tf1.GraphKeys.SAVERS, saver)
        with tf1.Session(graph=g) as sess:
            sess.run([tf1.global_variables_initializer(), tf1.local_variables_initializer()])
            feed = {x: np.float32([[1, 2, 3], [-1, 0, 1]])}
            sess.run(train_op, feed)
            sess.run(count_op)
            saved_values = {v.op.name: sess.run(v) for v in tf1.global_variables()}
            path = saver.save(sess, prefix)  # writes train_graph.meta and `checkpoint`
            assert path == prefix, path
            saver.export_meta_graph(os.path.join(META, "train_graph.pbtxt"), as_text=True)

    write_expected("train_graph", "V2", "train_graph", {
        "written_with": "tf.compat.v1.train.Saver(save_relative_paths=True).save"}, base=META)

    # The .meta and the .pbtxt describe the same MetaGraphDef.
    binary = meta_graph_pb2.MetaGraphDef()
    with open(prefix + ".meta", "rb") as f:
        binary.ParseFromString(f.read())
    text = meta_graph_pb2.MetaGraphDef()
    with open(os.path.join(META, "train_graph.pbtxt"), encoding="utf-8") as f:
        text_format.Parse(f.read(), text)
    assert binary == text, "train_graph.meta and train_graph.pbtxt differ"
    kinds = {k: v.WhichOneof("kind") for k, v in binary.collection_def.items()}
    for want in ["node_list", "bytes_list", "int64_list", "float_list", "any_list"]:
        assert want in kinds.values(), f"no {want} collection in train_graph.meta: {kinds}"

    # Interop check: import the .meta into a fresh graph and restore the checkpoint.
    for meta_file in [prefix + ".meta", os.path.join(META, "train_graph.pbtxt")]:
        g2 = tf.Graph()
        with g2.as_default(), tf1.Session(graph=g2) as sess:
            restorer = tf1.train.import_meta_graph(meta_file)
            restorer.restore(sess, tf.train.latest_checkpoint(META))
            for v in tf1.global_variables():
                np.testing.assert_array_equal(sess.run(v), saved_values[v.op.name])

    # while_loop.meta: TF1 (v1 control flow) while loop + cond, giving the
    # while_context and cond_context collections.
    from tensorflow.python.ops import control_flow_v2_toggles
    control_flow_v2_toggles.disable_control_flow_v2()
    g = tf.Graph()
    with g.as_default():
        n = tf1.placeholder_with_default(np.int32(5), [], name="n")
        i0 = tf.constant(0, name="i0")
        acc0 = tf.constant(0.0, name="acc0")

        def body(i, acc):
            step = tf1.cond(tf.equal(i % 2, 0), lambda: tf.constant(1.0), lambda: tf.constant(0.5), name="parity")
            return i + 1, acc + step

        _, total = tf1.while_loop(lambda i, acc: i < n, body, [i0, acc0], name="loop")
        # A top-level cond too (the one inside the loop is nested in the WhileContextDef).
        tf1.cond(total > 3.0, lambda: tf.identity(total, name="big"),
                 lambda: tf.negative(total), name="sign")
        tf.identity(total, name="total")
        with tf1.Session(graph=g) as sess:
            assert sess.run("total:0") == 4.0
            assert sess.run("sign/Merge:0") == 4.0
        mg = tf1.train.export_meta_graph(os.path.join(META, "while_loop.meta"), graph=g)
    assert "while_context" in mg.collection_def, list(mg.collection_def)
    assert "cond_context" in mg.collection_def, list(mg.collection_def)
    control_flow_v2_toggles.enable_control_flow_v2()

    # function_library.meta: a tf.function called in a TF1 graph -> FunctionDefLibrary.
    @tf.function
    def affine(v, k):
        return tf.nn.relu(v * k + 1.0)

    @tf.function
    def outer(v):
        return affine(v, 2.0) - affine(v, 0.5)

    g = tf.Graph()
    with g.as_default():
        inp = tf1.placeholder(tf.float32, [None], name="input")
        out = tf.identity(outer(inp), name="output")
        with tf1.Session(graph=g) as sess:
            np.testing.assert_allclose(sess.run(out, {inp: [1.0, -4.0]}), [1.5, 0.0])
        mg = tf1.train.export_meta_graph(os.path.join(META, "function_library.meta"), graph=g)
    assert len(mg.graph_def.library.function) >= 2, "no function library"


def section_saved_model():
    """saved_model/: a tf.Module with two variables and a serving_default signature."""
    np, tf = tf_modules()

    class Tiny(tf.Module):
        def __init__(self):
            super().__init__(name="tiny")
            self.w = tf.Variable([[1.0, -1.0], [0.5, 2.0]], name="w")
            self.b = tf.Variable([0.25, -0.25], name="b")

        @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32, name="x")])
        def serve(self, x):
            return {"y": tf.matmul(x, self.w) + self.b}

    m = Tiny()
    tf.saved_model.save(m, SAVED_MODEL, signatures={"serving_default": m.serve})
    write_expected("variables", "V2", "variables", {"written_with": "tf.saved_model.save"},
                   base=os.path.join(SAVED_MODEL, "variables"))
    loaded = tf.saved_model.load(SAVED_MODEL)
    y = loaded.signatures["serving_default"](x=tf.constant([[1.0, 2.0]]))["y"].numpy()
    np.testing.assert_allclose(y, [[2.25, 2.75]])


def section_state():
    """state/: relative (CheckpointManager), absolute (TF1 Saver defaults),
    v1_sharded (TF1 Saver V1, sharded over 3 CPU devices)."""
    np, tf = tf_modules()
    tf1 = tf.compat.v1
    quiet_saver_logs()

    # relative/: TF2 CheckpointManager, max_to_keep=3, three saves.
    rel = os.path.join(STATE, "relative")
    os.makedirs(rel)
    v = tf.Variable([1.0, 2.0], name="v")
    ckpt = tf.train.Checkpoint(v=v)
    manager = tf.train.CheckpointManager(ckpt, rel, max_to_keep=3)
    for step in range(1, 4):
        v.assign([float(step), float(-step)])
        manager.save()
    assert tf.train.latest_checkpoint(rel) == os.path.join(rel, "ckpt-3")

    # absolute/: TF1 Saver with its defaults (absolute paths, no timestamps),
    # written at ABSOLUTE_GEN_DIR and then copied here.
    ab = os.path.join(STATE, "absolute")
    if os.path.exists(ABSOLUTE_GEN_DIR):
        shutil.rmtree(ABSOLUTE_GEN_DIR)
    os.makedirs(ABSOLUTE_GEN_DIR)
    g = tf.Graph()
    with g.as_default():
        a = tf1.get_variable("a", initializer=np.float32([0.0, 0.0]))
        step_var = tf1.train.get_or_create_global_step()
        saver = tf1.train.Saver()
        with tf1.Session(graph=g) as sess:
            sess.run(tf1.global_variables_initializer())
            for step in (1, 2):
                sess.run([a.assign([step, step * 10.0]), step_var.assign(step)])
                saver.save(sess, os.path.join(ABSOLUTE_GEN_DIR, "model.ckpt"), global_step=step)
    shutil.copytree(ABSOLUTE_GEN_DIR, ab)
    shutil.rmtree(os.path.dirname(os.path.dirname(ABSOLUTE_GEN_DIR)))
    with open(os.path.join(ab, "checkpoint"), encoding="utf-8") as f:
        state_text = f.read()
    assert ABSOLUTE_GEN_DIR + "/model.ckpt-2" in state_text, state_text
    write_json(os.path.join(ab, "generated_in.json"), {
        "generated_in": ABSOLUTE_GEN_DIR,
        "note": "TF1 Saver wrote this directory at generated_in (absolute paths in `checkpoint`); "
                "generate.py then copied it here and deleted the original, so `checkpoint` "
                "points into a directory that no longer exists.",
    })

    # v1_sharded/: TF1 Saver V1, sharded=True, variables on 3 CPU devices.
    vs = os.path.join(STATE, "v1_sharded")
    os.makedirs(vs)
    g = tf.Graph()
    with g.as_default():
        vars_ = []
        for d in range(3):
            with g.device(f"/cpu:{d}"):
                vars_.append(tf1.get_variable(f"v{d}", initializer=np.float32([d, d + 0.5])))
        saver = tf1.train.Saver(sharded=True, write_version=tf1.train.SaverDef.V1,
                                save_relative_paths=True, max_to_keep=2)
        config = tf1.ConfigProto(device_count={"CPU": 3})
        with tf1.Session(graph=g, config=config) as sess:
            sess.run(tf1.global_variables_initializer())
            for step in (1, 2, 3):
                sess.run([vr.assign_add([1.0, 1.0]) for vr in vars_])
                path = saver.save(sess, os.path.join(vs, "model.ckpt"), global_step=step)
    assert path.endswith("model.ckpt-3-?????-of-00003"), path
    assert tf.train.latest_checkpoint(vs) == os.path.join(vs, "model.ckpt-3-?????-of-00003")


def section_ckpt_v2_dtypes():
    np, tf = tf_modules()
    values = dtype_values(np, tf, v1=False)
    prefix = os.path.join(CKPT, "v2_dtypes")
    tf.raw_ops.SaveV2(prefix=prefix, tensor_names=[k for k, _ in values],
                      shape_and_slices=[""] * len(values), tensors=[t for _, t in values])
    out = write_expected("v2_dtypes", "V2", "v2_dtypes", {"written_with": "tf.raw_ops.SaveV2"})
    assert len(out["tensors"]) == len(values)


def section_ckpt_v1_dtypes():
    np, tf = tf_modules()
    values = dtype_values(np, tf, v1=True)
    prefix = os.path.join(CKPT, "v1_dtypes")
    tf.raw_ops.SaveSlices(filename=prefix, tensor_names=[k for k, _ in values],
                          shapes_and_slices=[""] * len(values), data=[t for _, t in values])
    out = write_expected("v1_dtypes", "V1", "v1_dtypes", {"written_with": "tf.raw_ops.SaveSlices"})
    assert len(out["tensors"]) == len(values)


def _tf1_partition_graph(np, tf, devices):
    """A TF1 graph with part [10,3] (fixed_size_partitioner(3)) and two plain variables.

    devices=True places part_k and the other variables on /cpu:0..2."""
    tf1 = tf.compat.v1
    g = tf.Graph()
    full = (np.arange(30, dtype=np.float32).reshape(10, 3) - 10.0) / 4.0

    def init(shape, dtype=None, partition_info=None):
        o = partition_info.var_offset if partition_info is not None else [0, 0]
        return tf.constant(full[o[0]:o[0] + shape[0], o[1]:o[1] + shape[1]])

    def device_fn(op):
        if not devices:
            return ""
        for k in range(3):
            if f"/part_{k}" in op.name:
                return f"/cpu:{k}"
        if op.name.startswith("scope/bias"):
            return "/cpu:1"
        if op.name.startswith("steps"):
            return "/cpu:2"
        return "/cpu:0"

    with g.as_default(), g.device(device_fn):
        with tf1.variable_scope("scope"):
            tf1.get_variable("part", shape=[10, 3], dtype=tf.float32,
                             partitioner=tf1.fixed_size_partitioner(3), initializer=init)
            tf1.get_variable("bias", initializer=np.float32([1.0, -1.0, 0.5]))
        tf1.get_variable("steps", initializer=np.int64(42))
    return g


def _tf1_save(np, tf, name, version, sharded):
    tf1 = tf.compat.v1
    quiet_saver_logs()
    g = _tf1_partition_graph(np, tf, devices=sharded)
    with g.as_default():
        saver = tf1.train.Saver(sharded=sharded, write_version=version)
        config = tf1.ConfigProto(device_count={"CPU": 3})
        with tf1.Session(graph=g, config=config) as sess:
            sess.run(tf1.global_variables_initializer())
            return saver.save(sess, os.path.join(CKPT, name), write_meta_graph=False, write_state=False)


def section_ckpt_partitioned():
    np, tf = tf_modules()
    tf1 = tf.compat.v1
    p = _tf1_save(np, tf, "v1_partitioned", tf1.train.SaverDef.V1, sharded=False)
    assert os.path.basename(p) == "v1_partitioned"
    write_expected("v1_partitioned", "V1", "v1_partitioned",
                   {"written_with": "tf.compat.v1.train.Saver(write_version=V1)"})
    p = _tf1_save(np, tf, "v2_partitioned", tf1.train.SaverDef.V2, sharded=False)
    assert os.path.basename(p) == "v2_partitioned"
    write_expected("v2_partitioned", "V2", "v2_partitioned",
                   {"written_with": "tf.compat.v1.train.Saver(write_version=V2)"})


def section_ckpt_sharded():
    np, tf = tf_modules()
    tf1 = tf.compat.v1
    p = _tf1_save(np, tf, "v1_sharded", tf1.train.SaverDef.V1, sharded=True)
    assert os.path.basename(p) == "v1_sharded-?????-of-00003", p
    assert len(glob.glob(os.path.join(CKPT, "v1_sharded-0000?-of-00003"))) == 3
    write_expected("v1_sharded", "V1", "v1_sharded-?????-of-00003",
                   {"written_with": "tf.compat.v1.train.Saver(write_version=V1, sharded=True), 3 CPU devices"})
    p = _tf1_save(np, tf, "v2_sharded", tf1.train.SaverDef.V2, sharded=True)
    assert os.path.basename(p) == "v2_sharded", p
    assert len(glob.glob(os.path.join(CKPT, "v2_sharded.data-0000?-of-00003"))) == 3
    write_expected("v2_sharded", "V2", "v2_sharded",
                   {"written_with": "tf.compat.v1.train.Saver(write_version=V2, sharded=True), 3 CPU devices"})


LARGE_INDEX_KEYS = 6000


def large_index_key(i):
    # Long enough keys that the index exceeds one 256 KiB data block (two blocks).
    return f"l{i:04d}/dense/kernel/ExponentialMovingAverage"


def section_ckpt_v2_large_index():
    np, tf = tf_modules()
    names = [large_index_key(i) for i in range(LARGE_INDEX_KEYS)]
    tensors = [tf.constant(np.float32(i) / 8.0) for i in range(LARGE_INDEX_KEYS)]
    prefix = os.path.join(CKPT, "v2_large_index")
    tf.raw_ops.SaveV2(prefix=prefix, tensor_names=names, shape_and_slices=[""] * len(names), tensors=tensors)
    size = os.path.getsize(prefix + ".index")
    assert size > 256 * 1024 + 4096, f"index only {size} bytes: not several blocks"
    write_expected("v2_large_index", "V2", "v2_large_index", {"written_with": "tf.raw_ops.SaveV2"})


def section_ckpt_tf2_keras():
    np, tf = tf_modules()
    import keras
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((3,)),
        keras.layers.Dense(4, name="hidden", kernel_initializer=keras.initializers.GlorotUniform(seed=1)),
        keras.layers.Dense(2, name="out", kernel_initializer=keras.initializers.GlorotUniform(seed=2)),
    ], name="tiny")
    opt = keras.optimizers.Adam(0.01)
    x = np.arange(6, dtype=np.float32).reshape(2, 3) / 6.0
    target = np.float32([[1.0, 0.0], [0.0, 1.0]])
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - target))
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))

    # Local names that need escaping: "." -> "..", "/" -> ".S".
    extra = tf.Module()
    setattr(extra, "we.ird/name", tf.Variable([1.0, 2.0], name="weird"))
    extra.table = {"a.b/c": tf.Variable(np.int64(3), name="in_dict")}
    # A TF1-style optimizer slot (".OPTIMIZER_SLOT" keys).
    legacy_v = tf.Variable([0.5, -0.5], name="legacy_v")
    lopt = tf.compat.v1.train.AdamOptimizer(0.1)
    lopt.minimize(lambda: tf.reduce_sum(legacy_v * legacy_v), var_list=[legacy_v])

    ckpt = tf.train.Checkpoint(model=model, optimizer=opt, extra=extra, legacy_v=legacy_v, lopt=lopt)
    path = ckpt.write(os.path.join(CKPT, "tf2_keras"))
    assert path == os.path.join(CKPT, "tf2_keras"), path
    out = write_expected("tf2_keras", "V2", "tf2_keras",
                         {"written_with": "tf.train.Checkpoint(...).write (Keras 3 model + Adam, "
                                          "tf.compat.v1.train.AdamOptimizer slots)"})
    keys = out["tensors"]
    for want in ["_CHECKPOINTABLE_OBJECT_GRAPH",
                 "extra/we..ird.Sname/.ATTRIBUTES/VARIABLE_VALUE",
                 "extra/table/a..b.Sc/.ATTRIBUTES/VARIABLE_VALUE",
                 "legacy_v/.OPTIMIZER_SLOT/lopt/m/.ATTRIBUTES/VARIABLE_VALUE"]:
        assert want in keys, (want, sorted(keys))
    write_objgraph("tf2_keras", "tf2_keras")


def section_keras():
    """Keras 3 files: a weights file and a compiled model archive after one Adam
    step (optimizer/vars present), with the values written beside them."""
    np, tf = tf_modules()
    import keras
    keras.utils.set_random_seed(0)
    os.makedirs(KERAS, exist_ok=True)
    model = keras.Sequential([
        keras.Input((3,)),
        keras.layers.Dense(4, name="hidden"),
        keras.layers.BatchNormalization(),
        keras.layers.Dense(2),
    ], name="small")
    model.save_weights(os.path.join(KERAS, "small.weights.h5"))
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    x = np.arange(6, dtype=np.float32).reshape(2, 3) / 6.0
    model.fit(x, np.float32([[1.0, 0.0], [0.0, 1.0]]), verbose=0, batch_size=2)
    model.save(os.path.join(KERAS, "small.keras"))
    import h5py, io, zipfile
    expected = {}
    for name, opener in [("small.weights.h5", lambda p: h5py.File(p, "r")),
                         ("small.keras", lambda p: h5py.File(io.BytesIO(zipfile.ZipFile(p).read("model.weights.h5")), "r"))]:
        values = {}
        with opener(os.path.join(KERAS, name)) as f:
            f.visititems(lambda k, o: values.__setitem__(k, {"dtype": str(o.dtype), "shape": list(o.shape),
                                                             "values": np.asarray(o[()]).ravel().tolist()})
                         if isinstance(o, h5py.Dataset) else None)
        expected[name] = values
    assert "optimizer/vars/0" in expected["small.keras"] and "layers/dense/vars/0" in expected["small.weights.h5"]
    write_json(os.path.join(KERAS, "small.values.json"), expected)

    # A TF1 checkpoint with the names TF1 layers give (conv2d, batch_normalization,
    # rnn/lstm_cell, dense_1, …), and the template of the equivalent Keras 3 model.
    tf1 = tf.compat.v1
    rng = np.random.default_rng(0)
    g = tf.Graph()
    with g.as_default():
        def var(name, shape):
            return tf1.get_variable(name, initializer=(rng.standard_normal(shape) * 0.5).astype(np.float32))
        for scope, names in [("conv2d", [("kernel", (3, 3, 1, 2)), ("bias", (2,))]),
                             ("batch_normalization", [("gamma", (2,)), ("beta", (2,)), ("moving_mean", (2,)),
                                                      ("moving_variance", (2,))]),
                             ("rnn/lstm_cell", [("kernel", (2 + 3, 12)), ("bias", (12,))]),
                             ("dense", [("kernel", (3, 4)), ("bias", (4,))]),
                             ("dense_1", [("kernel", (4, 2)), ("bias", (2,))])]:
            with tf1.variable_scope(scope):
                for n, shape in names:
                    var(n, shape)
        tf1.train.get_or_create_global_step()
        with tf1.Session() as sess:
            sess.run(tf1.global_variables_initializer())
            tf1.train.Saver().save(sess, os.path.join(KERAS, "tf1_model"), write_meta_graph=False)
    for f in glob.glob(os.path.join(KERAS, "checkpoint")):
        os.remove(f)
    inp = keras.Input((4, 4, 1))
    h = keras.layers.Conv2D(2, 3, name="features")(inp)
    h = keras.layers.BatchNormalization()(h)
    h = keras.layers.Reshape((4, 2))(h)
    h = keras.layers.LSTM(3)(h)
    h = keras.layers.Dense(4, activation="relu")(h)
    keras.Model(inp, keras.layers.Dense(2)(h)).save_weights(os.path.join(KERAS, "tf1_model.template.weights.h5"))


def section_npz():
    """An npz written by np.savez_compressed (deflated members), with its values:
    numbers in C and Fortran order, bool, bytes and unicode strings (float64 values
    written as repr strings in the JSON)."""
    import numpy as np
    import zipfile
    os.makedirs(NPZ, exist_ok=True)
    rng = np.random.default_rng(5)
    arrays = {
        "dense/kernel": rng.standard_normal((4, 3)).astype(np.float32),
        "dense/bias": np.arange(3, dtype=np.float32) - 1.5,
        "conv/kernel": np.asfortranarray(rng.standard_normal((2, 3, 2)).astype(np.float64)),
        "step": np.int64(42),
        "mask": np.array([True, False, True]),
        "names": np.array([b"a", b"bc", b""]),
        "labels": np.array(["x", "y\u00e9z"]),
        "zeros": np.zeros((40, 25), np.float32),
    }
    path = os.path.join(NPZ, "compressed.npz")
    np.savez_compressed(path, **arrays)
    with zipfile.ZipFile(path) as z:
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in z.infolist())
    write_json(os.path.join(NPZ, "compressed.values.json"), {
        k: {"dtype": str(v.dtype), "shape": list(v.shape),
            # float64 as repr strings: exact for any JSON parser.
            "values": [x.decode("latin-1") if isinstance(x, bytes) else repr(x) if v.dtype == np.float64 else x
                       for x in np.asarray(v).ravel(order="C").tolist()]}
        for k, v in arrays.items()})


def section_ckpt_v2_sliced_tf2():
    np, tf = tf_modules()
    big = tf.Variable(np.arange(96, dtype=np.float32).reshape(12, 8) - 40.0, name="big")
    small = tf.Variable(np.int32([1, 2, 3]), name="small")
    ckpt = tf.train.Checkpoint(big=big, small=small)
    options = tf.train.CheckpointOptions(
        experimental_sharding_callback=tf.train.experimental.MaxShardSizePolicy(max_shard_size=160))
    path = ckpt.write(os.path.join(CKPT, "v2_sliced_tf2"), options=options)
    assert path == os.path.join(CKPT, "v2_sliced_tf2"), path
    nshards = len(glob.glob(os.path.join(CKPT, "v2_sliced_tf2.data-*")))
    assert nshards > 1, "MaxShardSizePolicy wrote a single shard"
    write_expected("v2_sliced_tf2", "V2", "v2_sliced_tf2",
                   {"written_with": "tf.train.Checkpoint.write with CheckpointOptions("
                                    "experimental_sharding_callback=MaxShardSizePolicy(max_shard_size=160))"})
    write_objgraph("v2_sliced_tf2", "v2_sliced_tf2")


# --------------------------------------------------------------------------
# Snappy-compressed tables. TensorFlow 2.21 never writes one (every TF writer
# forces kNoCompression), but its readers accept them and older writers produced
# them. So: TF writes the checkpoint, then resnappy_table() rewrites the table
# with Snappy-compressed blocks (same keys, same block boundaries, same data
# file), using the system's libsnappy, and TF reads the result back.
# --------------------------------------------------------------------------

def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for byte in data:
        c = _CRC_TABLE[(c ^ byte) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def crc_mask(c):
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _read_varint(buf, pos):
    shift = result = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _libsnappy():
    import ctypes
    import ctypes.util
    name = ctypes.util.find_library("snappy")
    if not name:
        sys.exit("generate.py: libsnappy not found (Debian: apt-get install libsnappy-dev); "
                 "it is needed for the snappy-compressed table fixtures")
    lib = ctypes.CDLL(name)
    lib.snappy_max_compressed_length.restype = ctypes.c_size_t
    lib.snappy_max_compressed_length.argtypes = [ctypes.c_size_t]
    lib.snappy_compress.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                                    ctypes.POINTER(ctypes.c_size_t)]
    lib.snappy_uncompress.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
                                      ctypes.POINTER(ctypes.c_size_t)]

    def compress(data):
        out = ctypes.create_string_buffer(lib.snappy_max_compressed_length(len(data)))
        n = ctypes.c_size_t(len(out))
        assert lib.snappy_compress(data, len(data), out, ctypes.byref(n)) == 0
        packed = out.raw[:n.value]
        back = ctypes.create_string_buffer(len(data) + 1)
        m = ctypes.c_size_t(len(back))
        assert lib.snappy_uncompress(packed, len(packed), back, ctypes.byref(m)) == 0
        assert back.raw[:m.value] == data
        return packed
    return compress


def _block_entries(block):
    """(key, value) pairs of an uncompressed table block."""
    n = int.from_bytes(block[-4:], "little")
    end = len(block) - 4 * (n + 1)
    pos, key, out = 0, b"", []
    while pos < end:
        shared, pos = _read_varint(block, pos)
        non_shared, pos = _read_varint(block, pos)
        vlen, pos = _read_varint(block, pos)
        key = key[:shared] + block[pos:pos + non_shared]
        pos += non_shared
        out.append((key, block[pos:pos + vlen]))
        pos += vlen
    return out


def resnappy_table(path):
    """Rewrite the table at path with Snappy blocks wherever that saves > 12.5 %
    (TF's TableBuilder rule), keeping keys and block boundaries. Returns the
    compression type of each data block."""
    compress = _libsnappy()
    with open(path, "rb") as f:
        data = f.read()
    footer = data[-48:]
    assert footer[40:] == bytes.fromhex("57fb808b247547db"), "not a table"
    _meta_off, pos = _read_varint(footer, 0)
    _meta_size, pos = _read_varint(footer, pos)
    index_off, pos = _read_varint(footer, pos)
    index_size, pos = _read_varint(footer, pos)

    def raw_block(off, size):
        assert data[off + size] == 0, "input table is already compressed"
        return data[off:off + size]

    out = bytearray()
    types = []

    def emit(contents):
        packed = compress(contents)
        if len(packed) < len(contents) - len(contents) // 8:
            contents, ctype = packed, 1
        else:
            ctype = 0
        handle = _varint(len(out)) + _varint(len(contents))
        out.extend(contents)
        out.append(ctype)
        out.extend(crc_mask(crc32c(bytes(contents) + bytes([ctype]))).to_bytes(4, "little"))
        return handle, ctype

    index_entries = []
    for sep, handle in _block_entries(raw_block(index_off, index_size)):
        off, p = _read_varint(handle, 0)
        size, _ = _read_varint(handle, p)
        new_handle, ctype = emit(raw_block(off, size))
        types.append(ctype)
        index_entries.append((sep, new_handle))
    meta_handle, _ = emit(b"\x00\x00\x00\x00\x01\x00\x00\x00")
    index = bytearray()
    restarts = []
    for sep, handle in index_entries:  # restart interval 1
        restarts.append(len(index))
        index += _varint(0) + _varint(len(sep)) + _varint(len(handle)) + sep + handle
    for r in restarts:
        index += r.to_bytes(4, "little")
    index += len(restarts).to_bytes(4, "little")
    index_handle, _ = emit(bytes(index))
    footer = (meta_handle + index_handle).ljust(40, b"\x00") + bytes.fromhex("57fb808b247547db")
    out += footer
    with open(path, "wb") as f:
        f.write(out)
    return types


def _snappy_values(np, tf):
    """A few hundred small tensors with repetitive names, so Snappy has copies to make."""
    out = []
    for i in range(240):
        layer, kind = divmod(i, 4)
        name = ["kernel", "bias", "kernel/Adam", "kernel/Adam_1"][kind]
        out.append((f"model/encoder/layer_{layer:03d}/{name}",
                    tf.constant(np.float32([i, -i, i / 4.0]))))
    out.append(("model/strings", tf.constant([b"snappy", b"", b"\xff\x00"])))
    return out


def section_ckpt_snappy():
    np, tf = tf_modules()
    assert crc32c(b"123456789") == 0xE3069283
    values = _snappy_values(np, tf)
    names = [k for k, _ in values]
    tensors = [t for _, t in values]
    v2 = os.path.join(CKPT, "v2_snappy")
    tf.raw_ops.SaveV2(prefix=v2, tensor_names=names, shape_and_slices=[""] * len(names), tensors=tensors)
    before = write_expected("v2_snappy", "V2", "v2_snappy")
    types = resnappy_table(v2 + ".index")
    assert types == [1], types
    after = write_expected("v2_snappy", "V2", "v2_snappy", {
        "written_with": "tf.raw_ops.SaveV2, then generate.py resnappy_table() rewrote the .index "
                        "with a Snappy-compressed data block (libsnappy); TF read it back"})
    assert before["tensors"] == after["tensors"]

    v1 = os.path.join(CKPT, "v1_snappy")
    tf.raw_ops.SaveSlices(filename=v1, tensor_names=names, shapes_and_slices=[""] * len(names), data=tensors)
    before = write_expected("v1_snappy", "V1", "v1_snappy")
    types = resnappy_table(v1)
    assert types == [1], types
    after = write_expected("v1_snappy", "V1", "v1_snappy", {
        "written_with": "tf.raw_ops.SaveSlices, then generate.py resnappy_table() rewrote the table "
                        "with a Snappy-compressed data block (libsnappy); TF read it back"})
    assert before["tensors"] == after["tensors"]


SECTIONS = {
    "meta": (section_meta, [META]),
    "saved_model": (section_saved_model, [SAVED_MODEL]),
    "state": (section_state, [STATE]),
    "ckpt_v2_dtypes": (section_ckpt_v2_dtypes, [(CKPT, "v2_dtypes")]),
    "ckpt_v1_dtypes": (section_ckpt_v1_dtypes, [(CKPT, "v1_dtypes")]),
    "ckpt_partitioned": (section_ckpt_partitioned, [(CKPT, "v1_partitioned"), (CKPT, "v2_partitioned")]),
    "ckpt_sharded": (section_ckpt_sharded, [(CKPT, "v1_sharded"), (CKPT, "v2_sharded")]),
    "ckpt_v2_large_index": (section_ckpt_v2_large_index, [(CKPT, "v2_large_index")]),
    "ckpt_tf2_keras": (section_ckpt_tf2_keras, [(CKPT, "tf2_keras")]),
    "keras": (section_keras, [(KERAS, "small"), (KERAS, "tf1_model")]),
    "npz": (section_npz, [(NPZ, "compressed")]),
    "ckpt_v2_sliced_tf2": (section_ckpt_v2_sliced_tf2, [(CKPT, "v2_sliced_tf2")]),
    "ckpt_snappy": (section_ckpt_snappy, [(CKPT, "v2_snappy"), (CKPT, "v1_snappy")]),
}


def wipe(outputs):
    for out in outputs:
        if isinstance(out, tuple):
            directory, name = out
            os.makedirs(directory, exist_ok=True)
            remove_prefix_files(directory, name)
        else:
            if os.path.exists(out):
                shutil.rmtree(out)
            if out not in (SAVED_MODEL,):  # tf.saved_model.save creates its own dir
                os.makedirs(out)


def main(argv):
    if len(argv) == 2 and argv[0] == "--section":
        SECTIONS[argv[1]][0]()
        return 0
    unknown = [a for a in argv if a not in SECTIONS]
    if unknown:
        print(f"generate.py: unknown section(s) {unknown}; known: {list(SECTIONS)}", file=sys.stderr)
        return 2
    names = argv or list(SECTIONS)
    if not argv:
        wipe(OWNED_DIRS)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONHASHSEED="0",
               TF_ENABLE_ONEDNN_OPTS="0", CUDA_VISIBLE_DEVICES="")
    for name in names:
        if argv:
            wipe(SECTIONS[name][1])
        print(f"generate.py: {name}", file=sys.stderr)
        r = subprocess.run([sys.executable, os.path.abspath(__file__), "--section", name], env=env)
        if r.returncode != 0:
            print(f"generate.py: section {name} failed (exit {r.returncode})", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
