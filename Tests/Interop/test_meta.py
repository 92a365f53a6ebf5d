"""MetaGraphDef files: TensorFlow parses what tfmeta writes into the same message."""
from pathlib import Path

import pytest
import tensorflow as tf
from google.protobuf import text_format
from tensorflow.core.protobuf import meta_graph_pb2, saved_model_pb2

from conftest import FIXTURES

META_FILES = sorted(p for p in (FIXTURES / "meta").glob("*") if p.suffix in (".meta", ".pbtxt"))


def load(path: Path, cls=meta_graph_pb2.MetaGraphDef):
    m = cls()
    data = path.read_bytes()
    if path.suffix in (".pbtxt", ".txt"):
        text_format.Parse(data.decode("utf-8"), m)
    else:
        m.ParseFromString(data)
    return m


def test_there_are_meta_fixtures():
    assert len(META_FILES) >= 3, META_FILES


@pytest.mark.parametrize("src", META_FILES, ids=lambda p: p.name)
def test_text_we_write_parses_to_the_same_message(tfm, tmp_path, src):
    out = tmp_path / "out.pbtxt"
    tfm("meta", "convert", src, out)
    assert load(out) == load(src)


@pytest.mark.parametrize("src", META_FILES, ids=lambda p: p.name)
def test_binary_we_write_is_the_same_message(tfm, tmp_path, src):
    out = tmp_path / "out.meta"
    tfm("meta", "convert", src, out)
    assert load(out) == load(src)
    if src.suffix == ".meta":
        assert out.read_bytes() == src.read_bytes(), "binary round trip is not byte-identical"


@pytest.mark.parametrize("src", META_FILES, ids=lambda p: p.name)
def test_text_we_write_matches_tensorflows_own_text(tfm, tmp_path, src):
    out = tmp_path / "out.pbtxt"
    tfm("meta", "convert", src, out)
    assert out.read_text() == text_format.MessageToString(load(src))


@pytest.mark.parametrize("suffix", [".meta", ".pbtxt"])
def test_import_meta_graph_accepts_what_we_write(tfm, tmp_path, suffix):
    src = FIXTURES / "meta" / "train_graph.meta"
    out = tmp_path / ("converted" + suffix)
    tfm("meta", "convert", src, out)
    with tf.Graph().as_default():
        saver = tf.compat.v1.train.import_meta_graph(str(out))
        assert saver is not None
        names = {v.op.name for v in tf.compat.v1.global_variables()}
        assert names, "no variables imported"


def test_saved_model_round_trips(tfm, tmp_path):
    src = FIXTURES / "saved_model" / "saved_model.pb"
    out = tmp_path / "saved_model.pb"
    tfm("meta", "convert", src, out)
    assert out.read_bytes() == src.read_bytes()
    txt = tmp_path / "saved_model.pbtxt"
    tfm("meta", "convert", src, txt)
    m = saved_model_pb2.SavedModel()
    text_format.Parse(txt.read_text(), m)
    assert m == load(src, saved_model_pb2.SavedModel)


def test_inspect_json_agrees_with_tensorflow(tfm):
    import json
    src = FIXTURES / "meta" / "train_graph.meta"
    _, out, _ = tfm("meta", "inspect", src, "--json")
    report = json.loads(out)
    m = load(src)
    g = report["meta_graphs"][0]
    assert g["node_count"] == len(m.graph_def.node)
    assert g["tensorflow_version"] == m.meta_info_def.tensorflow_version
    assert {c["name"] for c in g["collections"]} == set(m.collection_def.keys())
    assert g["saver"]["restore_op_name"] == m.saver_def.restore_op_name
    ops = {}
    for n in m.graph_def.node:
        ops[n.op] = ops.get(n.op, 0) + 1
    assert {o["op"]: o["count"] for o in g["ops"]} == ops
