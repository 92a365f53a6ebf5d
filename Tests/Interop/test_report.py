"""Interop: `tfmeta report` pages opened in headless Chromium (Debian's package).

Each page is loaded with its script run (--dump-dom after --virtual-time-budget),
and what the DOM says is compared with `ckpt stats --json` and with TensorFlow:
the treemap's total and the bytes of the rectangles it drew, the table's row
count, the flagged tensors (a NaN/Inf/all-zero checkpoint written by TensorFlow),
the histograms against numpy's, a graph's scopes, variables and what its saver
restores against tf.compat.v1.train.import_meta_graph. Screenshots must be
non-blank PNGs. A 100,000-tensor checkpoint must load within seconds.
"""
import json
import re
import shutil
import struct
import subprocess
import time
import zlib
from html.parser import HTMLParser

import numpy as np
import pytest
import tensorflow as tf

from conftest import FIXTURES, tfmeta

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium(*args, timeout=120):
    assert CHROMIUM, "chromium is not installed (Scripts/system-packages.sh installs Debian's chromium)"
    p = subprocess.run([CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
                        "--no-first-run", "--disable-extensions", *map(str, args)],
                       capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, f"chromium failed ({p.returncode}):\n{p.stderr[-2000:]}"
    return p


class DOM(HTMLParser):
    """Every element's tag and attributes, in document order."""

    def __init__(self, text):
        super().__init__()
        self.elements = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def by_id(self, ident):
        found = [a for _, a in self.elements if a.get("id") == ident]
        assert found, f"no element #{ident} in the page"
        return found[0]

    def having(self, attr, tag=None):
        return [a for t, a in self.elements if attr in a and (tag is None or t == tag)]


def dump_dom(page, budget=5000, size="1280,1000"):
    p = chromium(f"--window-size={size}", f"--virtual-time-budget={budget}", "--dump-dom", page.resolve().as_uri())
    dom = DOM(p.stdout)
    assert any(a.get("data-ready") == "1" for t, a in dom.elements if t == "body"), "the page script did not finish"
    return dom


def page_data(page):
    text = page.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', text, re.S)
    assert m, "no data block"
    assert "</" not in m.group(1)
    return json.loads(m.group(1))


def png_pixels(path):
    """(width, height, distinct colours, fraction of pixels that are not the most common colour)."""
    raw = path.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(raw):
        n, kind = struct.unpack(">I4s", raw[pos:pos + 8])
        body = raw[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, colour, _, _, interlace = header
    assert depth == 8 and interlace == 0 and colour in (2, 6), header
    bpp = 3 if colour == 2 else 4
    data = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        f = data[y * (stride + 1)]
        line = bytearray(data[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    pixels = np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(h, w, bpp)[:, :, :3]
    flat = pixels.reshape(-1, 3).astype(np.uint32)
    keys = flat[:, 0] << 16 | flat[:, 1] << 8 | flat[:, 2]
    values, counts = np.unique(keys, return_counts=True)
    return w, h, len(values), 1 - counts.max() / keys.size


def flags_of(s):
    f = []
    if s["message"] is not None: f.append("unread")
    if s["nan"]: f.append("NaN")
    if s["pos_inf"]: f.append("+Inf")
    if s["neg_inf"]: f.append("-Inf")
    if s["elements"] > 0 and s["zeros"] == s["elements"]: f.append("all-zero")
    return f


def check_checkpoint_page(page, stats):
    """The DOM of a checkpoint's page against `ckpt stats --json`."""
    dom = dump_dom(page)
    total = stats["bytes"]
    tm = dom.by_id("treemap")
    assert int(tm["data-total-bytes"]) == total
    assert int(tm["data-drawn-bytes"]) == total, "the treemap's rectangles do not add up to the checkpoint's bytes"
    assert sum(int(a["data-bytes"]) for a in dom.having("data-terminal")) == total
    table = dom.by_id("tensor-table")
    assert int(table["data-rows"]) == int(table["data-total-rows"]) == len(stats["stats"])
    rendered = [a["data-key"] for a in dom.having("data-key", "div")]
    assert rendered and set(rendered) <= {s["key"] for s in stats["stats"]}
    flags = dom.by_id("flags")
    expected = {s["key"]: flags_of(s) for s in stats["stats"] if flags_of(s)}
    assert int(flags["data-flagged"]) == len(expected)
    for name, f in (("nan", "NaN"), ("pos-inf", "+Inf"), ("neg-inf", "-Inf"), ("all-zero", "all-zero"), ("unread", "unread")):
        assert int(flags[f"data-{name}"]) == sum(f in v for v in expected.values()), name
    listed = {a["data-key"]: a["data-flags"].split() for a in dom.having("data-flags", "li")}
    assert listed == expected
    roles = {a["data-role"]: int(a["data-bytes"]) for a in dom.having("data-role")}
    assert roles == {r["role"]: r["bytes"] for r in stats["roles"] if r["tensors"]}
    return dom


CHECKPOINTS = ["ckpt/tf2_keras", "ckpt/v1_dtypes", "ckpt/v2_partitioned", "ckpt/v2_sliced_tf2", "ckpt/v2_sharded"]


@pytest.mark.parametrize("name", CHECKPOINTS)
def test_checkpoint_page_matches_stats(tmp_path, name):
    prefix = FIXTURES / name
    page = tmp_path / "r.html"
    summary = json.loads(tfmeta("report", prefix, page, "--json").stdout)
    stats = json.loads(tfmeta("ckpt", "stats", prefix, "--json").stdout)
    assert summary["tensors"] == len(stats["stats"]) and summary["bytes"] == stats["bytes"]
    assert summary["html_bytes"] == page.stat().st_size and summary["kind"] == "checkpoint"
    assert {f["key"] for f in summary["flagged"]} == {s["key"] for s in stats["stats"] if flags_of(s)}
    check_checkpoint_page(page, stats)
    # Self-contained: nothing the page would fetch.
    text = page.read_text()
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', text)
    assert "@import" not in text and "url(" not in text


def test_nan_checkpoint_is_flagged_and_histograms_match_numpy(tmp_path):
    """A checkpoint TensorFlow writes with a NaN, infinities and an all-zero variable."""
    values = {
        "bad": np.array([1.0, np.nan, 2.0, 3.0], np.float32),
        "inf": np.array([[np.inf, -1.0], [-np.inf, 0.5]], np.float32),
        "zero": np.zeros([3, 5], np.float32),
        "good": np.random.default_rng(0).normal(size=[40, 30]).astype(np.float32),
        "ints": np.arange(-7, 50, dtype=np.int32),
    }
    ckpt = tf.train.Checkpoint(**{k: tf.Variable(v) for k, v in values.items()})
    prefix = ckpt.write(str(tmp_path / "nan"))
    page = tmp_path / "nan.html"
    tfmeta("report", prefix, page)
    stats = json.loads(tfmeta("ckpt", "stats", prefix, "--json").stdout)
    dom = check_checkpoint_page(page, stats)
    listed = {a["data-key"]: a["data-flags"].split() for a in dom.having("data-flags", "li")}
    key = lambda k: f"{k}/.ATTRIBUTES/VARIABLE_VALUE"
    assert listed[key("bad")] == ["NaN"]
    assert listed[key("inf")] == ["+Inf", "-Inf"]
    assert listed[key("zero")] == ["all-zero"]
    assert key("good") not in listed and key("ints") not in listed
    # The histograms in the page, against numpy's over TensorFlow's values.
    data = page_data(page)["checkpoint"]
    col = {c: i for i, c in enumerate(data["columns"])}
    reader = tf.train.load_checkpoint(prefix)
    for k in values:
        row = next(r for r in data["tensors"] if r[col["key"]] == key(k))
        v = reader.get_tensor(key(k)).astype(np.float64).ravel()
        v = v[np.isfinite(v)]
        expected, _ = np.histogram(v, bins=len(row[col["histogram"]]), range=(v.min(), v.max()))
        if v.min() == v.max():
            expected = np.zeros(len(expected), int); expected[0] = v.size
        assert row[col["histogram"]] == expected.tolist(), k
    # The object graph tree names every variable's checkpoint key (opened on click;
    # the root's own attributes are there when the root is open).
    assert dom.by_id("object-tree")


def test_screenshots_are_not_blank(tmp_path):
    for name, src in (("ckpt", FIXTURES / "ckpt/tf2_keras"), ("graph", FIXTURES / "meta/train_graph.meta")):
        page, shot = tmp_path / f"{name}.html", tmp_path / f"{name}.png"
        tfmeta("report", src, page)
        chromium("--window-size=1200,900", "--virtual-time-budget=5000", f"--screenshot={shot}", page.resolve().as_uri())
        w, h, colours, ink = png_pixels(shot)
        assert (w, h) == (1200, 900)
        assert colours > 20, f"{name}: {colours} colours: a blank page"
        assert ink > 0.05, f"{name}: only {ink:.1%} of the pixels differ from the background"


def test_graph_page(tmp_path):
    meta = FIXTURES / "meta/train_graph.meta"
    page = tmp_path / "g.html"
    summary = json.loads(tfmeta("report", meta, page, "--json").stdout)
    inspect = json.loads(tfmeta("meta", "inspect", meta, "--json").stdout)["meta_graphs"][0]
    variables = json.loads(tfmeta("meta", "variables", meta, "--json").stdout)
    variables = variables["variables"] if isinstance(variables, dict) else variables
    assert summary["kind"] == "meta_graph" and summary["nodes"] == inspect["node_count"] and summary["tensors"] == 0
    dom = dump_dom(page)
    assert int(dom.by_id("scopes-0")["data-ops"]) == inspect["node_count"]
    top = [a for a in dom.having("data-scope", "details") if a["data-scope"] == "(graph)"]
    assert int(top[0]["data-ops"]) == inspect["node_count"]
    # Device placement, as TensorFlow reads the graph.
    tf.compat.v1.reset_default_graph()
    with tf.Graph().as_default() as g:
        tf.compat.v1.train.import_meta_graph(str(meta))
        devices = {}
        for op in g.get_operations():
            devices[op.node_def.device] = devices.get(op.node_def.device, 0) + 1
        restored = set()
        for op in g.get_operations():
            if op.name.startswith("save/") and op.type in ("Assign", "AssignVariableOp"):
                restored.add(op.inputs[0].op.name)
    shown = {a["data-device"]: a for a in dom.having("data-device", "tr")}
    assert set(shown) == set(devices)
    assert any(d for d in devices), "the fixture pins some ops to a device"
    assert {a["data-variable"] for a in dom.having("data-variable", "tr")} == {v["name"] for v in variables}
    data = page_data(page)["graphs"][0]
    assert restored and set(data["restores"]) == restored


def test_saved_model_page_has_graph_and_variables(tmp_path):
    page = tmp_path / "sm.html"
    summary = json.loads(tfmeta("report", FIXTURES / "saved_model", page, "--json").stdout)
    stats = json.loads(tfmeta("ckpt", "stats", FIXTURES / "saved_model/variables/variables", "--json").stdout)
    assert summary["kind"] == "saved_model" and summary["graphs"] >= 1 and summary["tensors"] == len(stats["stats"])
    dom = check_checkpoint_page(page, stats)
    assert dom.by_id("scopes-0")


def test_existing_output_is_kept_without_overwrite(tmp_path):
    page = tmp_path / "r.html"
    page.write_text("mine")
    p = tfmeta("report", FIXTURES / "ckpt/tf2_keras", page, check=False)
    assert p.returncode == 1 and "--overwrite" in p.stderr
    assert page.read_text() == "mine"
    tfmeta("report", FIXTURES / "ckpt/tf2_keras", page, "--overwrite")
    assert page.read_text().startswith("<!DOCTYPE html>")
    assert [x.name for x in tmp_path.iterdir()] == ["r.html"], "a temporary file was left"
    p = tfmeta("report", tmp_path / "missing", tmp_path / "x.html", check=False)
    assert p.returncode == 1 and not (tmp_path / "x.html").exists()


def test_100k_tensor_checkpoint_loads_within_seconds(tmp_path):
    rng = np.random.default_rng(1)
    arrays = {}
    for i in range(100_000):
        shape = (64, 32) if i % 1000 == 0 else (4,)
        arrays[f"layer_{i // 1000}/block_{i // 100 % 10}/w_{i}"] = rng.standard_normal(shape).astype(np.float32)
    arrays["layer_5/block_0/w_5000"][0, 0] = np.nan
    np.savez(tmp_path / "big.npz", **arrays)
    tfmeta("ckpt", "import", tmp_path / "big.npz", tmp_path / "big")
    page = tmp_path / "big.html"
    tfmeta("report", tmp_path / "big", page)
    stats = json.loads(tfmeta("ckpt", "stats", tmp_path / "big", "--json").stdout)
    assert len(stats["stats"]) == 100_000
    start = time.monotonic()
    dom = dump_dom(page)
    seconds = time.monotonic() - start
    opened = int(next(a for t, a in dom.elements if t == "body")["data-ready-ms"]) / 1000
    print(f"100,000 tensors: a {page.stat().st_size / 2**20:.1f} MiB page opened and drawn in {opened:.1f} s "
          f"(in the page); Chromium started, loaded and dumped it in {seconds:.1f} s")
    # Generous bounds for a 2-core machine shared with other jobs (Chromium alone
    # takes ~4 s here to start and dump an empty report).
    assert opened < 15
    assert seconds < 60
    check_checkpoint_page(page, stats)
    assert int(dom.by_id("treemap")["data-rectangles"]) < 2000, "small tensors were not aggregated"
    assert len(dom.having("data-key", "div")) < 200, "the table rendered more rows than are in view"
    assert int(dom.by_id("flags")["data-nan"]) == 1


def test_unreadable_tensor_is_flagged_and_fails(tmp_path):
    """A data file cut short: the page is written with the tensors flagged
    `unread`, and the command exits 1 naming the checkpoint, as `ckpt stats` does."""
    for f in FIXTURES.glob("ckpt/v2_dtypes.*"):
        if not f.name.endswith(".json"):
            shutil.copy(f, tmp_path / f.name)
    data = tmp_path / "v2_dtypes.data-00000-of-00001"
    data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])
    page = tmp_path / "cut.html"
    p = tfmeta("report", tmp_path / "v2_dtypes", page, "--json", check=False)
    assert p.returncode == 1 and "v2_dtypes" in p.stderr and "could not be read" in p.stderr
    summary = json.loads(p.stdout)
    assert summary["flags"]["unread"] > 0
    stats = json.loads(tfmeta("ckpt", "stats", tmp_path / "v2_dtypes", "--json", check=False).stdout)
    dom = check_checkpoint_page(page, stats)
    assert int(dom.by_id("flags")["data-unread"]) == summary["flags"]["unread"]


def test_object_graph_tree_is_tensorflows(tmp_path):
    """The object graph in the page is the one TensorFlow parses from the checkpoint;
    the tree opens at the root with one collapsible node per child."""
    from tensorflow.core.protobuf import trackable_object_graph_pb2

    prefix = FIXTURES / "ckpt/tf2_keras"
    page = tmp_path / "og.html"
    tfmeta("report", prefix, page)
    graph = trackable_object_graph_pb2.TrackableObjectGraph()
    graph.ParseFromString(tf.train.load_checkpoint(str(prefix)).get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH"))
    nodes = page_data(page)["checkpoint"]["object_graph"]["nodes"]
    assert len(nodes) == len(graph.nodes)
    for mine, theirs in zip(nodes, graph.nodes):
        assert mine["children"] == [[c.node_id, c.local_name] for c in theirs.children]
        assert mine["attributes"] == [[a.name, a.full_name, a.checkpoint_key] for a in theirs.attributes]
        assert mine["slots"] == [[s.original_variable_node_id, s.slot_name, s.slot_variable_node_id]
                                 for s in theirs.slot_variables]
    dom = dump_dom(page)
    shown = [int(a["data-node"]) for a in dom.having("data-node", "details")]
    assert shown == [0] + [c.node_id for c in graph.nodes[0].children]
