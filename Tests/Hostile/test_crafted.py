"""Crafted attacks, each re-sealed (block CRCs recomputed) so that it gets past
the checksums and reaches the check behind them: a wrong magic, handles and
offsets past the end, element counts that overflow, Snappy blocks declaring
huge lengths, text and binary nested thousands deep, oversized and escaping
state files. Every case must exit 1 with a message naming the file and, where
it matters, the words of the problem; memory bounded; nothing left behind.
"""
import struct

import pytest

import formats
from conftest import FIXTURES, check_nothing_left, check_outcome, copy_fixture_files, run_tfmeta, snapshot

V2 = ["ckpt/v2_dtypes.index", "ckpt/v2_dtypes.data-00000-of-00001"]
V1 = ["ckpt/v1_dtypes"]
FLOAT, STRING = 1, 7


def run_case(case_dir, args, damaged, words=(), writes=None):
    """Runs `args` (and then the writer `writes`, if given) in case_dir; both must
    exit 1 naming `damaged`; `words` must appear in the output."""
    (case_dir / "out").mkdir(exist_ok=True)
    for command in [args] + ([writes] if writes else []):
        before = snapshot(case_dir / "in")
        outcome = run_tfmeta(command, cwd=case_dir)
        check_outcome(outcome, damaged=damaged, must_fail=True, readable=True)
        text = (outcome.stdout + outcome.stderr).lower()
        for w in words:
            assert w.lower() in text, f"{w!r} not in the message\n{outcome.describe()}"
        check_nothing_left(outcome, inputs_before=before, input_dir=case_dir / "in", output_dir=case_dir / "out")


def v2_with_entries(case_dir, edit):
    """v2_dtypes, its index rebuilt after `edit(entries)` (a list of [key, value])."""
    copy_fixture_files(V2, case_dir / "in")
    entries = [[k, v] for k, v in formats.Table((FIXTURES / V2[0]).read_bytes()).entries()]
    edit(entries)
    (case_dir / "in" / "v2_dtypes.index").write_bytes(formats.write_table([(k, v) for k, v in entries]))


def replace_entry(entries, value):
    """Replaces the first float32 tensor's entry (after the header) with `value`."""
    for e in entries:
        if e[0] and formats.bundle_entry(e[1])["dtype"] == FLOAT:
            e[1] = value
            return e[0].decode()
    raise AssertionError("no float32 entry")


V2_READ = (["ckpt", "verify", "in/v2_dtypes"], ["ckpt", "migrate", "in/v2_dtypes", "out/m"])


# --- Tables: magic, footer and block handles ---------------------------------------

def footer(meta, index, magic=formats.MAGIC):
    raw = meta + index
    return raw + bytes(40 - len(raw)) + magic if len(raw) <= 40 else raw[:40] + magic


TABLE_ATTACKS = {
    "wrong-magic": (lambda t: t.data[:-8] + struct.pack("<Q", 0x0123456789ABCDEF), ["magic"]),
    "leveldb-magic": (lambda t: t.data[:-8] + struct.pack("<Q", 0xDB4775248B80FB57 ^ 1), ["magic"]),
    "index-handle-past-end": (lambda t: t.data[:t.footer_start] + footer(
        t.metaindex.encode(), formats.Handle(1 << 40, 100).encode()), []),
    "index-handle-huge-size": (lambda t: t.data[:t.footer_start] + footer(
        t.metaindex.encode(), formats.Handle(0, (1 << 63) - 1).encode()), []),
    "metaindex-handle-past-end": (lambda t: t.data[:t.footer_start] + footer(
        formats.Handle(len(t.data), 8).encode(), t.index.encode()), []),
    "footer-varint-too-long": (lambda t: t.data[:t.footer_start] + footer(b"\xff" * 11, b""), []),
    "data-block-handle-past-end": (lambda t: _with_index_handle(t, formats.Handle(1 << 50, 1 << 20)), []),
    "data-block-handle-wraps": (lambda t: _with_index_handle(t, formats.Handle((1 << 64) - 16, 32)), []),
    "restart-count-huge": (lambda t: _with_data_block(t, b"\x00" * 8 + struct.pack("<I", 0xFFFFFFFF)), ["restart"]),
    "entry-lengths-huge": (lambda t: _with_data_block(
        t, formats.varint(0) + formats.varint(0xFFFFFFFF) + formats.varint(0xFFFFFFFF) + struct.pack("<II", 0, 1)), []),
    "compression-type-7": (lambda t: _with_data_block(t, formats.block([(b"", b"")]), kind=7), ["compression"]),
}


def _with_index_handle(t, handle):
    """The table with a new index block whose one entry points at `handle`."""
    body = t.data[:t.index.offset]
    index = formats.block([(b"\xff", handle.encode())])
    new_index = formats.Handle(len(body), len(index))
    return body + formats.sealed(index) + footer(t.metaindex.encode(), new_index.encode())


def _with_data_block(t, contents, kind=0):
    """A table whose only data block is `contents` (sealed with compression `kind`)."""
    out = formats.sealed(contents, kind)
    data = formats.Handle(0, len(contents))
    meta = formats.Handle(len(out), len(formats.block([])))
    out += formats.sealed(formats.block([]))
    index = formats.block([(b"\xff", data.encode())])
    ih = formats.Handle(len(out), len(index))
    out += formats.sealed(index)
    return out + footer(meta.encode(), ih.encode())


def _table_case(fmt, case_dir, v1_writer):
    """Copies the V2 or V1 dtypes fixture into case_dir/in; returns the table file
    to damage and the reading and writing commands to run on it."""
    if fmt == "v2":
        copy_fixture_files(V2, case_dir / "in")
        return "v2_dtypes.index", V2_READ[0], V2_READ[1]
    copy_fixture_files(V1, case_dir / "in")
    return "v1_dtypes", ["ckpt", "verify", "in/v1_dtypes"], v1_writer


@pytest.mark.parametrize("attack", sorted(TABLE_ATTACKS))
@pytest.mark.parametrize("fmt", ["v2", "v1"])
def test_table_attack(attack, fmt, case_dir):
    make, words = TABLE_ATTACKS[attack]
    target, reader, writer = _table_case(fmt, case_dir, ["ckpt", "export", "in/v1_dtypes", "out/e.npz"])
    t = formats.Table((case_dir / "in" / target).read_bytes())
    (case_dir / "in" / target).write_bytes(make(t))
    run_case(case_dir, reader, f"in/{target}", words, writer)


# --- V2 index entries: offsets, sizes, shards, shapes -------------------------------

ENTRY_ATTACKS = {
    "offset-past-end": (dict(offset=30000, size=4, shape=[1]), []),
    "offset-and-size-2^62": (dict(offset=1 << 62, size=1 << 62, shape=[1 << 60]), []),
    "size-wraps-int64": (dict(offset=8, size=(1 << 63) - 4, shape=[2]), []),
    "negative-offset": (dict(offset=-1, size=4, shape=[1]), []),
    "negative-size": (dict(offset=0, size=-8, shape=[2]), []),
    "shard-5-of-1": (dict(shard=5, offset=0, size=4, shape=[1]), []),
    "shard-negative": (dict(shard=-1, offset=0, size=4, shape=[1]), []),
    "shape-overflows-int64": (dict(offset=0, size=16, shape=[1 << 62, 4]), []),
    "shape-2^31-cubed": (dict(offset=0, size=16, shape=[1 << 31] * 3), []),
    "bytes-overflow-int64": (dict(offset=0, size=16, shape=[(1 << 62) - 1]), []),
    "negative-dimension": (dict(offset=0, size=16, shape=[-4]), ["dimension"]),
    "string-count-huge": (dict(dtype=STRING, offset=0, size=16, shape=[1 << 40]), []),
    "string-count-overflows": (dict(dtype=STRING, offset=0, size=16, shape=[1 << 62, 1 << 62]), []),
}


@pytest.mark.parametrize("attack", sorted(ENTRY_ATTACKS))
def test_bundle_entry_attack(attack, case_dir):
    fields, words = ENTRY_ATTACKS[attack]
    fields = dict(fields)
    value = formats.encode_bundle_entry(fields.pop("dtype", FLOAT), fields.pop("shape"), **fields)
    v2_with_entries(case_dir, lambda entries: replace_entry(entries, value))
    run_case(case_dir, V2_READ[0], ["in/v2_dtypes.index", "in/v2_dtypes.data-00000-of-00001"], words, V2_READ[1])


def test_header_shard_count_huge(case_dir):
    header = formats.field_varint(1, 0x7FFFFFFF) + formats.field_bytes(3, formats.field_varint(1, 1))
    v2_with_entries(case_dir, lambda entries: entries.__setitem__(0, [b"", header]))
    run_case(case_dir, ["ckpt", "verify", "in/v2_dtypes"], ["in/v2_dtypes", "in/v2_dtypes.index"], [],
             ["ckpt", "migrate", "in/v2_dtypes", "out/m"])


def test_partitioned_container_shape_overflows(case_dir):
    """A container whose full shape overflows, with one slice covering 'all' of it."""
    full = formats.field_bytes(1, b"")  # one extent: the whole dimension
    slice_proto = full + full
    value = formats.encode_bundle_entry(FLOAT, [1 << 62, 1 << 62]) + formats.field_bytes(7, slice_proto)
    v2_with_entries(case_dir, lambda entries: replace_entry(entries, value))
    run_case(case_dir, V2_READ[0], "in/v2_dtypes.index", [], V2_READ[1])


# --- V1 metadata: shapes that overflow ----------------------------------------------

def _v1_meta(shape, slices):
    tensor = (formats.field_bytes(1, b"x") + formats.field_bytes(2, formats.encode_shape(shape))
              + formats.field_varint(3, FLOAT) + b"".join(formats.field_bytes(4, s) for s in slices))
    meta = formats.field_bytes(1, tensor) + formats.field_bytes(2, formats.field_varint(1, 1))
    return formats.field_bytes(1, meta)


@pytest.mark.parametrize("shape,extent", [
    ([1 << 62, 4], b""),
    ([1 << 31, 1 << 31, 1 << 31], b""),
    ([(1 << 63) - 1], b""),
    ([16], formats.field_varint(1, (1 << 63) - 1) + formats.field_varint(2, 4)),  # slice start far outside
])
def test_v1_metadata_attack(shape, extent, case_dir):
    slices = [b"".join(formats.field_bytes(1, extent) for _ in shape)]
    (case_dir / "in").mkdir()
    (case_dir / "in" / "v1").write_bytes(formats.write_table([(b"", _v1_meta(shape, slices))]))
    run_case(case_dir, ["ckpt", "verify", "in/v1"], "in/v1", [], ["ckpt", "export", "in/v1", "out/e.npz"])


# --- Snappy blocks declaring what they do not hold ------------------------------------

SNAPPY_DECLARED = {
    "2^32-1": lambda n: (1 << 32) - 1,
    "1GiB": lambda n: 1 << 30,
    "2^62": lambda n: 1 << 62,
    "just-over-64x": lambda n: 64 * (n + 8) + 64,
    "one-more": lambda n: n + 1,
    "one-less": lambda n: n - 1,
}


@pytest.mark.parametrize("declared", sorted(SNAPPY_DECLARED) + ["bad-varint"])
@pytest.mark.parametrize("fmt", ["v2", "v1"])
def test_snappy_declared_length(declared, fmt, case_dir):
    target, reader, writer = _table_case(fmt, case_dir, ["ckpt", "migrate", "in/v1_dtypes", "out/m"])
    entries = formats.Table((case_dir / "in" / target).read_bytes()).entries()

    def compress(contents):
        if declared == "bad-varint":
            return b"\xff" * 10 + formats.snappy_literal(contents)[len(formats.varint(len(contents))):]
        return formats.snappy_literal(contents, SNAPPY_DECLARED[declared](len(contents)))

    (case_dir / "in" / target).write_bytes(formats.write_table(entries, 1, compress))
    run_case(case_dir, reader, f"in/{target}", ["snappy"], writer)


# --- Nesting thousands deep ----------------------------------------------------------

def _deep_attr_text(depth):
    """graph_def.node.attr → AttrValue.func.attr → … `depth` levels: all real fields."""
    open_ = 'attr { key: "k" value { func { name: "f" ' * depth
    return 'graph_def { node { name: "n" op: "NoOp" ' + open_ + "} } }" * depth + " } }\n"


def _deep_attr_binary(depth):
    attr = b""
    for _ in range(depth):
        name_attr_list = formats.field_bytes(1, b"f") + formats.field_bytes(
            2, formats.field_bytes(1, b"k") + formats.field_bytes(2, attr))
        attr = formats.field_bytes(10, name_attr_list)
    node = formats.field_bytes(1, b"n") + formats.field_bytes(2, b"NoOp") + formats.field_bytes(
        5, formats.field_bytes(1, b"k") + formats.field_bytes(2, attr))
    return formats.field_bytes(2, formats.field_bytes(1, node))


NESTED = {
    "pbtxt-3000-real-fields": ("deep.pbtxt", lambda: _deep_attr_text(3000).encode()),
    "pbtxt-100000-braces": ("deep.pbtxt", lambda: b"meta_info_def { " * 100000),
    "pbtxt-100000-unclosed-lists": ("deep.pbtxt", lambda: b"collection_def: [ " * 100000),
    "meta-3000-real-fields": ("deep.meta", lambda: _deep_attr_binary(3000)),
    "meta-100000-length-prefixes": ("deep.meta", lambda: _nested_lengths(100000)),
}


def _nested_lengths(depth):
    """Field 2 (graph_def) holding field 1 holding field 1 …: lengths all consistent."""
    inner = b""
    for i in range(depth):
        inner = formats.field_bytes(1 if i < depth - 1 else 2, inner)
    return inner


@pytest.mark.parametrize("case", sorted(NESTED))
def test_nested_deep(case, case_dir):
    name, make = NESTED[case]
    (case_dir / "in").mkdir()
    (case_dir / "in" / name).write_bytes(make())
    other = "c.meta" if name.endswith(".pbtxt") else "c.pbtxt"
    run_case(case_dir, ["meta", "inspect", f"in/{name}"], f"in/{name}", [],
             ["meta", "convert", f"in/{name}", f"out/{other}"])


@pytest.mark.parametrize("body", [
    'model_checkpoint_path: "ckpt-3" ' + "x { " * 100000,
    'model_checkpoint_path: "ckpt-3" all_model_checkpoint_paths: [' + "[" * 100000,
    "{" * 100000,
], ids=["braces", "lists", "bare-braces"])
def test_state_file_nested_deep(body, case_dir):
    copy_fixture_files([f"state/relative/{n}" for n in ("ckpt-3.index", "ckpt-3.data-00000-of-00001")],
                       case_dir / "in")
    (case_dir / "in" / "checkpoint").write_text(body)
    run_case(case_dir, ["state", "show", "in"], "in/checkpoint", [], ["ckpt", "migrate", "in", "out/d"])


def test_state_file_too_large(case_dir):
    (case_dir / "in").mkdir()
    (case_dir / "in" / "checkpoint").write_bytes(b'model_checkpoint_path: "a"\n' + b" " * (16 << 20))
    run_case(case_dir, ["state", "latest", "in"], "in/checkpoint", ["larger than"], ["state", "rebase", "in", "--overwrite"])


def test_rename_map_nested_deep(case_dir):
    copy_fixture_files(V2, case_dir / "in")
    (case_dir / "in" / "map.json").write_text("[" * 100000)
    run_case(case_dir, ["ckpt", "rename", "in/v2_dtypes", "out/r", "--map", "in/map.json"], "in/map.json",
             ["nested"])


# --- Inputs that are not regular files -------------------------------------------------
# A FIFO blocked the open forever and /dev/zero was read until 2 GiB; now both are
# refused before reading.

SPECIAL_INPUTS = {
    "meta-fifo": (["meta", "inspect", "in/f.meta"], "in/f.meta"),
    "meta-dev-zero": (["meta", "inspect", "in/z.meta"], "in/z.meta"),
    "ckpt-fifo-index": (["ckpt", "verify", "in/f"], "in/f.index"),
    "ckpt-fifo-v1": (["ckpt", "verify", "in/f.meta"], "in/f.meta"),
    "map-fifo": (["ckpt", "rename", "in/v2_dtypes", "out/r", "--map", "in/f.meta"], "in/f.meta"),
    "state-fifo": (["state", "show", "in"], "in/checkpoint"),
}


@pytest.mark.parametrize("case", sorted(SPECIAL_INPUTS))
def test_input_that_is_not_a_regular_file(case, case_dir):
    import os
    args, damaged = SPECIAL_INPUTS[case]
    copy_fixture_files(V2, case_dir / "in")
    for fifo in ("f.meta", "f.index", "checkpoint"):
        os.mkfifo(case_dir / "in" / fifo)
    os.symlink("/dev/zero", case_dir / "in" / "z.meta")
    run_case(case_dir, args, damaged, ["not a regular file"])


# --- State files whose paths leave their directory ------------------------------------
#
# The rule (README, "The checkpoint state file"): paths are followed as TensorFlow
# follows them, for reading only; `state show` warns about relative paths that
# climb out of the directory; nothing is ever written outside the output named on
# the command line: `state rebase` writes only DIR/checkpoint, `ckpt migrate DIR DST`
# names each copy after the stored path's base name inside DST.

ESCAPES = ["../../../../../../../../../../etc/passwd", "/etc/passwd", "../outside/ckpt-9",
           "sub/../../outside/ckpt-9"]


@pytest.mark.parametrize("stored", ESCAPES, ids=["dotdot-etc-passwd", "absolute-etc-passwd",
                                                 "dotdot-real-checkpoint", "sub-dotdot-real-checkpoint"])
def test_state_path_escaping(stored, case_dir):
    (case_dir / "in" / "sub").mkdir(parents=True)  # the kernel resolves sub/.. only if sub exists
    outside = case_dir / "outside"
    copy_fixture_files(V2, outside)
    for suffix in (".index", ".data-00000-of-00001"):
        (outside / f"v2_dtypes{suffix}").rename(outside / f"ckpt-9{suffix}")
    (case_dir / "in" / "checkpoint").write_text(f'model_checkpoint_path: "{stored}"\n'
                                                f'all_model_checkpoint_paths: "{stored}"\n')
    outside_before = snapshot(outside)
    (case_dir / "out").mkdir()

    show = run_tfmeta(["state", "show", "in"], cwd=case_dir)
    check_outcome(show, damaged="in/checkpoint")
    if not stored.startswith("/"):
        assert "leave in" in show.stdout, show.describe()

    real = "ckpt-9" in stored
    for args in (["ckpt", "verify", "in"], ["ckpt", "migrate", "in", "out/d"], ["state", "rebase", "in", "--overwrite"]):
        before = snapshot(case_dir / "in")
        outcome = run_tfmeta(args, cwd=case_dir)
        if real:
            check_outcome(outcome, damaged="in/checkpoint", allowed=(0,))
        elif args[1] == "rebase":
            # The listed path exists (as TensorFlow sees it): nothing to repair, nothing written.
            check_outcome(outcome, damaged="in/checkpoint", allowed=(0,))
        else:
            # /etc/passwd is followed like TensorFlow would, and refused as no table;
            # rebase finds no checkpoint of that name in the directory.
            check_outcome(outcome, damaged=["/etc/passwd", "in/checkpoint"], must_fail=True)
        check_nothing_left(outcome, inputs_before=before, input_dir=case_dir / "in", output_dir=case_dir / "out")
        assert snapshot(outside) == outside_before, "a file outside the named output was written"
    if real:
        # The migrated copy lives inside DST, under the stored path's base name.
        assert sorted(p.name for p in (case_dir / "out" / "d").iterdir()) == \
            ["checkpoint", "ckpt-9.data-00000-of-00001", "ckpt-9.index"]
        assert 'model_checkpoint_path: "ckpt-9"' in (case_dir / "out" / "d" / "checkpoint").read_text()


@pytest.mark.parametrize("stored", ["sub/..", ".", "sub/."])
def test_state_path_without_a_file_name(stored, case_dir):
    """A listed path whose base name is '.' or '..' cannot name a migrated copy."""
    (case_dir / "in" / "sub").mkdir(parents=True)
    (case_dir / "in" / "checkpoint").write_text(f'model_checkpoint_path: "{stored}"\n')
    run_case(case_dir, ["ckpt", "migrate", "in", "out/d"], ["in/checkpoint", "in/" + stored, "in/sub"])


# --- Regressions: messages that once did not name the damaged file ---------------------

@pytest.mark.parametrize("command", [["meta", "variables", "in/m.meta"],
                                     ["meta", "rescope", "in/m.meta", "out/r.meta", "--strip-scope", "part"]],
                         ids=["variables", "rescope"])
def test_nul_in_collection_item_names_the_file(command, case_dir):
    """A NUL byte inside a VariableDef's string (a collection item): the message said
    only "collection 'variables' item 3: ..." before."""
    data = bytearray((FIXTURES / "migrate/v1_saver/model.ckpt-1.meta").read_bytes())
    at = data.rfind(b"w/Assign")  # initializer_name of w's VariableDef, inside a collection
    data[at + 1] = 0
    (case_dir / "in").mkdir()
    (case_dir / "in" / "m.meta").write_bytes(bytes(data))
    run_case(case_dir, command, "in/m.meta", ["NUL", "collection"])


@pytest.mark.parametrize("command", ["verify", "export"])
def test_partitioned_data_file_cut_names_the_data_file(command, case_dir):
    """A data file cut short under a partitioned tensor's slices: the message blamed
    the intact, checksummed .index before."""
    files = ["ckpt/v2_partitioned.index", "ckpt/v2_partitioned.data-00000-of-00001"]
    copy_fixture_files(files, case_dir / "in")
    data = case_dir / "in" / "v2_partitioned.data-00000-of-00001"
    data.write_bytes(data.read_bytes()[:12])
    args = ["ckpt", command, "in/v2_partitioned"] + (["out/e.npz"] if command == "export" else [])
    run_case(case_dir, args, "in/v2_partitioned.data-00000-of-00001", ["bytes"])


# --- V1 values: TensorProto's fill rule asked to expand a few bytes to a huge tensor --

def _v1_slice_key(name, rank):
    """OrderedCode key of the whole-tensor slice of `name` (small ranks; full extents)."""
    return b"\x00" + name + b"\x00\x01" + bytes([1, rank]) + b"\x80\x7f" * rank


@pytest.mark.parametrize("shape,values", [
    ([1 << 28], b""),                                        # no values: 1 GiB of zeros
    ([1 << 14, 1 << 14], formats.field_bytes(5, struct.pack("<f", 1.0))),  # one float repeated 2^28 times
    ([1 << 27], formats.field_bytes(5, struct.pack("<ff", 1.0, 2.0))),      # last value repeated
])
def test_v1_fill_rule_expansion(shape, values, case_dir):
    full = b"".join(formats.field_bytes(1, b"") for _ in shape)
    tensor = formats.field_varint(1, FLOAT) + values
    saved = formats.field_bytes(2, formats.field_bytes(1, b"x") + formats.field_bytes(2, full)
                                + formats.field_bytes(3, tensor))
    meta = _v1_meta(shape, [full])
    (case_dir / "in").mkdir()
    (case_dir / "in" / "v1").write_bytes(formats.write_table([(b"", meta), (_v1_slice_key(b"x", len(shape)), saved)]))
    run_case(case_dir, ["ckpt", "verify", "in/v1"], "in/v1", [], ["ckpt", "export", "in/v1", "out/e.npz"])


# --- Object graphs: chains thousands deep, cycles ----------------------------------
# The string tensor _CHECKPOINTABLE_OBJECT_GRAPH is CRC-protected: write it anew
# (length varints, their masked CRC, the bytes) and point the index at it.

def _string_payload(strings):
    """A V2 string tensor's bytes and its entry CRC (tensor_bundle.cc WriteStringTensor)."""
    lengths = b"".join(formats.varint(len(s)) for s in strings)
    crc = 0
    for s in strings:
        crc = formats.crc32c(struct.pack("<I", len(s)), crc)
    length_crc = struct.pack("<I", formats.mask(crc))
    crc = formats.crc32c(length_crc, crc)
    for s in strings:
        crc = formats.crc32c(s, crc)
    return lengths + length_crc + b"".join(strings), formats.mask(crc)


def _object_graph(children):
    """A TrackableObjectGraph: node i's children are children[i] (node ids)."""
    nodes = b""
    for i, kids in enumerate(children):
        body = b"".join(formats.field_bytes(1, formats.field_varint(1, k) + formats.field_bytes(2, b"c%d" % k))
                        for k in kids)
        nodes += formats.field_bytes(1, body)
    return nodes


def _with_object_graph(case_dir, graph):
    files = ["ckpt/tf2_keras.index", "ckpt/tf2_keras.data-00000-of-00001"]
    copy_fixture_files(files, case_dir / "in")
    data_path = case_dir / "in" / "tf2_keras.data-00000-of-00001"
    data = data_path.read_bytes()
    payload, crc = _string_payload([graph])
    entries = [[k, v] for k, v in formats.Table((FIXTURES / files[0]).read_bytes()).entries()]
    for e in entries:
        if e[0] == b"_CHECKPOINTABLE_OBJECT_GRAPH":
            e[1] = formats.encode_bundle_entry(STRING, [], offset=len(data), size=len(payload), crc=crc)
    data_path.write_bytes(data + payload)
    (case_dir / "in" / "tf2_keras.index").write_bytes(formats.write_table([(k, v) for k, v in entries]))


OBJECT_GRAPHS = {
    "chain-100000-deep": lambda: [[i + 1] for i in range(99999)] + [[]],
    "cycle": lambda: [[1], [2], [0]],
    "self-child": lambda: [[0]],
    "wide-and-deep": lambda: [[i + 1, (i + 2) % 3000] for i in range(2999)] + [[0]],
}


@pytest.mark.parametrize("shape", sorted(OBJECT_GRAPHS))
def test_object_graph_shapes(shape, case_dir):
    _with_object_graph(case_dir, _object_graph(OBJECT_GRAPHS[shape]()))
    (case_dir / "out").mkdir()
    for args in (["objgraph", "in/tf2_keras"], ["ckpt", "verify", "in/tf2_keras"],
                 ["ckpt", "to-names", "in/tf2_keras", "out/n"]):
        before = snapshot(case_dir / "in")
        outcome = run_tfmeta(args, cwd=case_dir)
        check_outcome(outcome, damaged="in/tf2_keras.data-00000-of-00001")
        assert len(outcome.stdout) < 64 << 20, f"{len(outcome.stdout)} bytes of output"
        check_nothing_left(outcome, inputs_before=before, input_dir=case_dir / "in", output_dir=case_dir / "out")
