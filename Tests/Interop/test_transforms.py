"""`tfmeta meta rescope` and `meta extract`: TensorFlow imports every file we write
(tf.compat.v1.train.import_meta_graph, with and without import_scope) and the saver
it returns restores a checkpoint the sample generator saved with the original graph.

TensorFlow must import (conftest.py fails the suite otherwise); nothing is skipped.
"""
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from tensorflow.core.protobuf import meta_graph_pb2

from conftest import ROOT

tf1 = tf.compat.v1
GENERATOR = ROOT / "Tests" / "MetaGraphKitTests" / "Conversion" / "make_samples.py"


@pytest.fixture(scope="module")
def samples(tmp_path_factory):
    """The generator's samples and checkpoint, made afresh in a temporary directory."""
    out = tmp_path_factory.mktemp("samples")
    p = subprocess.run([sys.executable, str(GENERATOR), str(out), "--checkpoint"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-3000:]
    return out


def load(path):
    m = meta_graph_pb2.MetaGraphDef()
    m.ParseFromString(path.read_bytes())
    return m


def original_tensor(name):
    """The original graph's tensor or op that an unbound input stood for."""
    body = name.lstrip("^")[len("$unbound_inputs_"):]
    return body if ":" in body else body + ":0"


def input_map_for(meta, original_meta_path):
    """Placeholders for every unbound input; a ^control input maps to a tensor whose
    op becomes the control dependency (import_graph_def with an empty name accepts
    only tensors as input_map values)."""
    names = []
    if "unbound_inputs" in meta.collection_def:
        names = [v.decode() for v in meta.collection_def["unbound_inputs"].bytes_list.value]
    if not names:
        return None
    with tf.Graph().as_default() as g0:
        tf1.train.import_meta_graph(str(original_meta_path))
    mapping = {}
    for n in names:
        if n.startswith("^"):
            mapping[n] = tf.constant(0, name="ctrl_" + str(len(mapping)))
        else:
            t = g0.get_tensor_by_name(original_tensor(n))
            mapping[n] = tf1.placeholder(t.dtype, t.shape, name="feed_" + str(len(mapping)))
    return mapping


CASES = {
    # name: (tfmeta arguments, how an imported variable name maps to its checkpoint key)
    "strip-net-all-flags": (["--strip-scope", "net", "--clear-devices", "--strip-default-attrs",
                             "--clear-extraneous-savers"], lambda n: "net/" + n),
    "strip-net": (["--strip-scope", "net/"], lambda n: "net/" + n),
    "add-imp": (["--add-scope", "imp"], lambda n: n[len("imp/"):]),
    "clear-savers": (["--clear-extraneous-savers", "--clear-devices"], lambda n: n),
}


@pytest.mark.parametrize("import_scope", [None, "outer"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_tensorflow_imports_and_restores_what_we_write(tfm, samples, tmp_path, case, import_scope):
    args, to_key = CASES[case]
    out = tmp_path / "out.meta"
    tfm("meta", "rescope", samples / "graph.meta", out, *args)
    meta = load(out)
    reader = tf.train.load_checkpoint(str(samples / "ckpt" / "model"))
    keys = reader.get_variable_to_shape_map()
    with tf.Graph().as_default() as g:
        input_map = input_map_for(meta, samples / "graph.meta")
        saver = tf1.train.import_meta_graph(str(out), import_scope=import_scope, input_map=input_map)
        assert saver is not None, "no saver imported"
        prefix = import_scope + "/" if import_scope else ""
        checked = 0
        with tf1.Session(graph=g) as sess:
            saver.restore(sess, str(samples / "ckpt" / "model"))
            for var in tf1.global_variables():
                name = var.op.name[len(prefix):]
                info = var._save_slice_info
                key = to_key(info.full_name[len(prefix):] if info else name)
                if key not in keys:
                    continue  # not saved by net/save (network/v)
                expected = reader.get_tensor(key)
                if info:
                    expected = expected[tuple(slice(o, o + s) for o, s in zip(info.var_offset, info.var_shape))]
                np.testing.assert_array_equal(sess.run(var), expected)
                checked += 1
        assert checked == 5, f"restored {checked} variables"  # w, b, part_0..2


def test_unbound_inputs_are_listed_with_control_entries(tfm, samples, tmp_path):
    out = tmp_path / "out.meta"
    tfm("meta", "rescope", samples / "graph.meta", out, "--strip-scope", "net")
    meta = load(out)
    assert [v.decode() for v in meta.collection_def["unbound_inputs"].bytes_list.value] == [
        "$unbound_inputs_network/v", "$unbound_inputs_x", "^$unbound_inputs_x"]
    assert meta.saver_def.filename_tensor_name == "save/Const:0"
    assert all(not n.name.startswith(("net/", "network/")) for n in meta.graph_def.node)


def test_tensorflows_own_scoped_export_is_not_importable(samples):
    """Why we list ^control unbound inputs: TF's export cannot be imported at all."""
    with tf.Graph().as_default():
        x = tf1.placeholder(tf.float32, [None, 3])
        with pytest.raises(Exception):
            tf1.train.import_meta_graph(str(samples / "tf_export_net_plain.meta"),
                                        input_map={"$unbound_inputs_x": x})


@pytest.mark.parametrize("tags", ["serve", "train,gpu"])
def test_extracted_meta_graph_imports(tfm, samples, tmp_path, tags):
    out = tmp_path / "extracted.meta"
    tfm("meta", "extract", samples / "saved_model", "--tags", tags, out)
    meta = load(out)
    assert sorted(meta.meta_info_def.tags) == sorted(tags.split(","))
    with tf.Graph().as_default() as g:
        tf1.train.import_meta_graph(str(out))
        assert g.get_operation_by_name("net/y") is not None


def test_extract_with_unknown_tags_lists_the_tag_sets(tfm, samples, tmp_path):
    code, _, err = tfm("meta", "extract", samples / "saved_model", "--tags", "serve,gpu",
                       tmp_path / "x.meta", check=False)
    assert code == 1
    assert "{serve} {gpu,train}" in err
    assert not (tmp_path / "x.meta").exists()


def test_reports_on_what_we_write(tfm, samples, tmp_path):
    import json
    out = tmp_path / "out.meta"
    tfm("meta", "rescope", samples / "graph.meta", out, "--strip-scope", "net")
    _, saver, _ = tfm("meta", "saver", out, "--json")
    assert json.loads(saver)["ok"] is True
    code, _, _ = tfm("meta", "saver", samples / "tf_export_net.meta", check=False)
    assert code == 1
    _, variables, _ = tfm("meta", "variables", out, "--json")
    names = [v["name"] for v in json.loads(variables)["variables"]]
    assert names == ["w:0", "b:0", "part/part_0:0", "part/part_1:0", "part/part_2:0"]
    _, diff, _ = tfm("meta", "diff", samples / "graph.meta", out, "--json")
    assert "network/v" in json.loads(diff)["nodes"]["removed"]


def test_usage_errors_exit_two(tfm, samples, tmp_path):
    out = tmp_path / "out.meta"
    # --strip-scope A --add-scope B together is a scope rename (issue 12); --saver-keys
    # without --rules, and --rules with a scope edit, are usage errors.
    code, _, err = tfm("meta", "rescope", samples / "graph.meta", out, "--strip-scope", "a",
                       "--saver-keys", check=False)
    assert code == 2 and "--saver-keys goes with --rules" in err
    code, _, err = tfm("meta", "rescope", samples / "graph.meta", out, "--strip-scope", "a",
                       "--preset", "slim-to-keras", check=False)
    assert code == 2 and "on their own" in err
    code, _, _ = tfm("meta", "rescope", samples / "graph.meta", out, check=False)
    assert code == 2
    assert not out.exists()


def test_rescope_json_summary(tfm, samples, tmp_path):
    import json
    _, text, _ = tfm("meta", "rescope", samples / "graph.meta", tmp_path / "o.meta",
                     "--strip-scope", "net", "--clear-devices", "--json")
    summary = json.loads(text)
    assert list(summary) == ["nodes", "removed_nodes", "unbound_inputs", "dropped_collection_items",
                             "dropped_signatures", "dropped_saver", "stripped_attrs", "cleared_devices"]
    assert summary["cleared_devices"] > 0 and summary["dropped_saver"] is False
