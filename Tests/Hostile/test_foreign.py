"""Crafted safetensors, npz and .npy files: every size and offset a lie. Each case
must exit 1 naming the file, never crash, never allocate what the file claims but
does not hold, and leave nothing behind (list, verify, stats, diff and import)."""
import json
import struct
import zlib

import pytest

from conftest import run_tfmeta
from test_crafted import run_case


def st(header, data=b"", length=None):
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(text) if length is None else length) + text + data


F32 = lambda shape, begin, end: {"w": {"dtype": "F32", "shape": shape, "data_offsets": [begin, end]}}

SAFETENSORS = {
    "empty": b"",
    "shorter-than-length": b"\x01\x02\x03",
    "header-length-huge": st(b"{}", length=2**63 + 5),
    "header-length-past-end": st(b"{}", length=1000),
    "header-not-json": st(b"{not json"),
    "header-not-object": st(b"[1, 2]"),
    "header-nested-deep": st(b"{\"a\":" + b"[" * 100_000 + b"]" * 100_000 + b"}"),
    "offsets-past-end": st(F32([2], 0, 1 << 40), b"\0" * 8),
    "offsets-reversed": st(F32([2], 8, 0), b"\0" * 8),
    "size-not-shape": st(F32([3], 0, 8), b"\0" * 8),
    "shape-overflows": st(F32([2**40, 2**40], 0, 8), b"\0" * 8),
    "shape-negative": st(F32([-2], 0, 8), b"\0" * 8),
    "shape-not-integers": st(F32(["2"], 0, 8), b"\0" * 8),
    "offset-float": st({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0.5, 8]}}, b"\0" * 8),
    "dtype-unknown": st({"w": {"dtype": "C64", "shape": [1], "data_offsets": [0, 8]}}, b"\0" * 8),
    "fields-missing": st({"w": {"dtype": "F32"}}, b"\0" * 8),
}


@pytest.mark.parametrize("case", sorted(SAFETENSORS))
def test_safetensors_attack(case, case_dir):
    (case_dir / "in").mkdir()
    (case_dir / "in" / "w.safetensors").write_bytes(SAFETENSORS[case])
    for command in (["ckpt", "list", "in/w.safetensors"], ["ckpt", "stats", "in/w.safetensors"],
                    ["ckpt", "diff", "in/w.safetensors", "in/w.safetensors"]):
        run_case(case_dir, command, "in/w.safetensors", writes=["ckpt", "import", "in/w.safetensors", "out/m"])


def npy(descr="<f4", shape="(2,)", fortran="False", data=b"\0" * 8, version=1, header=None, length=None):
    text = header if header is not None else (
        "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)).encode()
    text += b" " * ((64 - (len(text) + 11) % 64) % 64) + b"\n"
    n = len(text) if length is None else length
    head = b"\x93NUMPY" + bytes([version, 0]) + (struct.pack("<H", n) if version == 1 else struct.pack("<I", n))
    return head + text + data


NPY = {
    "magic-only": b"\x93NUMPY",
    "version-9": npy(version=9),
    "header-length-past-end": npy(length=60000),
    "header-v2-length-huge": npy(version=2, length=2**32 - 1),
    "header-not-dict": npy(header=b"[1, 2, 3]"),
    "header-missing-shape": npy(header=b"{'descr': '<f4', 'fortran_order': False}"),
    "header-extra-key": npy(header=b"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}"),
    "shape-overflows": npy(shape="(4294967296, 4294967296, 4294967296)"),
    "shape-huge-no-data": npy(shape="(1000000000000,)"),
    "data-short": npy(shape="(3,)"),
    "data-long": npy(shape="(1,)"),
    "dims-300": npy(shape="(" + "1, " * 300 + ")", data=b"\0" * 4),
    "zero-width-strings": npy(descr="|S0", shape="(1000000000000,)", data=b""),
    "unicode-huge-count": npy(descr="<U1", shape="(1000000000000,)", data=b"\0" * 8),
    "unicode-not-a-character": npy(descr="<U1", shape="(2,)", data=struct.pack("<II", 0x41, 0x110000)),
    "object-pickle": npy(descr="|O", shape="(1,)", data=b"\x80\x04N."),
    "big-endian": npy(descr=">f4"),
    "structured": npy(header=b"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,)}"),
    "unterminated-string": npy(header=b"{'descr': '<f4"),
}


@pytest.mark.parametrize("case", sorted(NPY))
@pytest.mark.parametrize("layout", ["file", "directory"])
def test_npy_attack(case, layout, case_dir):
    (case_dir / "in" / "d").mkdir(parents=True)
    (case_dir / "in" / "d" / "w.npy").write_bytes(NPY[case])
    arg = "in/d/w.npy" if layout == "file" else "in/d"
    for command in (["ckpt", "verify", arg], ["ckpt", "stats", arg]):
        run_case(case_dir, command, "in/d/w.npy", writes=["ckpt", "import", arg, "out/m"])


def zip_of(members, method=0, cd_offset=None, local_offset=None, size=None, count=None, zip64_locator=None):
    """A zip of (name, bytes) members, one field optionally a lie."""
    out, central = b"", b""
    for name, data in members:
        name = name.encode()
        body = zlib.compress(data)[2:-4] if method == 8 else data
        crc = zlib.crc32(data)
        stored = len(body) if size is None else size
        local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, stored, len(data), len(name), 0)
        offset = len(out) if local_offset is None else local_offset
        out += local + name + body
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, stored, len(data),
                               len(name), 0, 0, 0, 0, 0, offset) + name
    n = len(members) if count is None else count
    start = len(out) if cd_offset is None else cd_offset
    if zip64_locator is not None:
        out += central + struct.pack("<IIQI", 0x07064B50, 0, zip64_locator, 1)
        return out + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return out + central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(central), start, 0)


GOOD = [("w.npy", npy())]
NPZ = {
    "not-a-zip": b"PK\x03\x04" + b"\0" * 40,
    "no-end-record": zip_of(GOOD)[:-22],
    "directory-offset-past-end": zip_of(GOOD, cd_offset=1 << 31),
    "local-offset-past-end": zip_of(GOOD, local_offset=1 << 31),
    "member-size-past-end": zip_of(GOOD, size=1 << 31),
    "member-size-lies-short": zip_of(GOOD, size=20),
    "zip64-locator-past-end": zip_of(GOOD, zip64_locator=1 << 40),
    "compressed-method-unknown": zip_of(GOOD, method=12),
    "member-not-npy": zip_of([("w.npy", b"hello world, not an array")]),
    "member-shape-lies": zip_of([("w.npy", npy(shape="(100000000,)"))]),
    "two-members-one-key": zip_of([("w.npy", npy()), ("w.npy", npy())]),
}


@pytest.mark.parametrize("case", sorted(NPZ))
def test_npz_attack(case, case_dir):
    (case_dir / "in").mkdir()
    (case_dir / "in" / "w.npz").write_bytes(NPZ[case])
    for command in (["ckpt", "list", "in/w.npz"], ["ckpt", "stats", "in/w.npz"]):
        run_case(case_dir, command, "in/w.npz", writes=["ckpt", "import", "in/w.npz", "out/m"])


def test_npz_member_damaged_is_found_by_verify(case_dir):
    data = bytearray(zip_of([("w.npy", npy(data=struct.pack("<ff", 1.0, 2.0)))]))
    data[data.index(struct.pack("<f", 2.0))] ^= 0x40
    (case_dir / "in").mkdir()
    (case_dir / "in" / "w.npz").write_bytes(bytes(data))
    run_case(case_dir, ["ckpt", "verify", "in/w.npz"], "in/w.npz", words=["checksum"])


# --- np.savez_compressed: deflated members, inflated tensor by tensor ----------------

def deflated_zip(data, body=None, usize=None, crc=None):
    """A zip of one deflated member w.npy holding `data`; its compressed bytes, its
    declared uncompressed size or its CRC-32 optionally a lie."""
    body = zlib.compress(data)[2:-4] if body is None else body
    crc = zlib.crc32(data) if crc is None else crc
    usize = len(data) if usize is None else usize
    name = b"w.npy"
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(body), usize, len(name), 0)
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(body), usize,
                          len(name), 0, 0, 0, 0, 0, 0) + name
    out = local + name + body
    return out + central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(out), 0)


def bomb():
    """1 GiB of float32 zeros, deflated to about 1 MiB (the header says so honestly)."""
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = npy(shape="(268435456,)", data=b"")
    parts = [z.compress(head)]
    chunk = bytes(1 << 20)
    crc = zlib.crc32(head)
    for _ in range(1024):
        parts.append(z.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    parts.append(z.flush())
    return deflated_zip(head, body=b"".join(parts), usize=len(head) + (1 << 30), crc=crc)


ARRAY = npy(shape="(64,)", data=struct.pack("<64f", *range(64)))
BODY = zlib.compress(ARRAY)[2:-4]
DEFLATED = {
    "stream-cut-short": lambda: deflated_zip(ARRAY, body=BODY[:len(BODY) // 2]),
    "stream-garbled": lambda: deflated_zip(ARRAY, body=BODY[:8] + bytes(b ^ 0x5A for b in BODY[8:])),
    "crc-wrong": lambda: deflated_zip(ARRAY, crc=zlib.crc32(ARRAY) ^ 1),
    "size-claims-more": lambda: deflated_zip(ARRAY, usize=len(ARRAY) + 4),
    "size-claims-less": lambda: deflated_zip(ARRAY, usize=len(ARRAY) - 4),
    "size-huge": lambda: deflated_zip(ARRAY, usize=2**32 - 2),
    "shape-claims-more": lambda: deflated_zip(npy(shape="(100000000,)", data=struct.pack("<2f", 1, 2))),
    "header-cut": lambda: deflated_zip(ARRAY[:20]),
    "zip-bomb": bomb,
}


@pytest.mark.parametrize("case", sorted(DEFLATED))
def test_compressed_npz_attack(case, case_dir):
    (case_dir / "in").mkdir()
    (case_dir / "in" / "w.npz").write_bytes(DEFLATED[case]())
    for command in (["ckpt", "verify", "in/w.npz"], ["ckpt", "stats", "in/w.npz"]):
        run_case(case_dir, command, "in/w.npz", writes=["ckpt", "import", "in/w.npz", "out/m"])


def test_compressed_npz_intact_is_read(case_dir):
    """The same construction, honest: read and verified (the attacks above fail for their lie)."""
    (case_dir / "in").mkdir()
    (case_dir / "in" / "w.npz").write_bytes(deflated_zip(ARRAY))
    outcome = run_tfmeta(["ckpt", "verify", "in/w.npz"], cwd=case_dir)
    assert outcome.status == 0, outcome.describe()
