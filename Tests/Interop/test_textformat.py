"""Interop: MetaGraphKit's text format and JSON against Python protobuf.

Scripts/test-all runs the Swift tests first; their "Text format interop files"
test writes, into .build/interop/textformat,, for every sample in Tests/MetaGraphKitTests/Codec/TextFormatSamples,
`<stem>.bin` (the binary TensorFlow wrote), `<stem>.txt` (our text of it),
`<stem>.parsed.bin` (our binary of TensorFlow's text), `<stem>.json` (our JSON of it) and
`<stem>.type` (the message's full name). This checks them with Python's own codecs.
"""
import glob
import json
import math
import os
import re

import pytest
from google.protobuf import json_format, text_format

from conftest import ROOT

DIR = str(ROOT / ".build" / "interop" / "textformat")
STEMS = sorted(p[: -len(".type")] for p in glob.glob(os.path.join(DIR, "*.type")))


def test_the_swift_side_wrote_its_files():
    assert len(STEMS) >= 3, f"no samples in {DIR}: run `swift test` first (Scripts/test-all does)"


def message_class(full_name):
    if full_name == "tensorflow.MetaGraphDef":
        from tensorflow.core.protobuf import meta_graph_pb2
        return meta_graph_pb2.MetaGraphDef
    if full_name == "tensorflow.CheckpointState":
        from tensorflow.python.training import checkpoint_state_pb2 as m
        return m.CheckpointState
    raise KeyError(full_name)


def load(stem):
    cls = message_class(open(stem + ".type").read().strip())
    expected = cls()
    expected.ParseFromString(open(stem + ".bin", "rb").read())
    return cls, expected


@pytest.mark.parametrize("stem", STEMS)
def test_python_parses_our_text(stem):
    cls, expected = load(stem)
    ours = open(stem + ".txt", encoding="utf-8").read()
    parsed = text_format.Parse(ours, cls())
    assert parsed.SerializeToString(deterministic=True) == open(stem + ".bin", "rb").read()
    assert text_format.MessageToString(expected) == ours


@pytest.mark.parametrize("stem", STEMS)
def test_our_parse_gives_python_binary(stem):
    _, expected = load(stem)
    assert open(stem + ".parsed.bin", "rb").read() == expected.SerializeToString(deterministic=True)


def same_json(a, b, path="$"):
    if isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, (int, float)) and isinstance(b, (int, float)), path
        assert math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-44), f"{path}: {a} != {b}"
    elif isinstance(a, dict):
        # Python prints map entries in hash-map order: compare keys as sets.
        assert isinstance(b, dict) and sorted(a) == sorted(b), f"{path}: keys {sorted(a)} != {sorted(b)}"
        for k in a:
            same_json(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            same_json(x, y, f"{path}[{i}]")
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


@pytest.mark.parametrize("stem", STEMS)
def test_json_matches_python(stem):
    _, expected = load(stem)
    try:
        theirs = json_format.MessageToDict(expected)
    except TypeError as e:
        # Python refuses to print an Any whose type it does not know, and so do we
        # (the proto3 JSON mapping has no form for it): no JSON, the same type URL named.
        assert not os.path.exists(stem + ".json"), "we printed JSON that json_format refuses"
        ours = open(stem + ".json.error", encoding="utf-8").read()
        assert "no proto3 JSON form" in ours, ours
        # The message may hold several Any values Python cannot resolve; the two
        # printers may meet a different one first. Ours must name one of them.
        from google.protobuf import descriptor_pool
        from google.protobuf.text_format import MessageToString
        urls = set(re.findall(r'type_url: "([^"]*)"', MessageToString(expected)))
        def unresolvable(url):
            try:
                descriptor_pool.Default().FindMessageTypeByName(url.split("/")[-1])
                return False
            except KeyError:
                return True
        named = [u for u in urls if unresolvable(u) and f"'{u}'" in ours]
        assert named, (ours, str(e), urls)
        return
    ours = json.load(open(stem + ".json", encoding="utf-8"))
    same_json(ours, theirs)
