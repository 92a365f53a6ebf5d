"""Just enough of TensorFlow's file formats, in plain Python, to damage them on purpose.

The hostile suite needs to know where the structures of a fixture lie (table
blocks, the footer, each tensor's payload) to cut and flip at the edges that
matter, and to *re-seal* a crafted change (recompute a block's CRC32C) so that
the damage gets past the checksum and reaches the check behind it. Nothing here
is a reader to trust: it parses TensorFlow-written fixtures, nothing else.

References: tsl/lib/io/format.cc, block.cc, table_builder.cc (tables);
tensorflow/core/protobuf/tensor_bundle.proto (V2 index entries);
tensorflow/core/util/saved_tensor_slice.proto (V1); snappy's format_description.txt.
"""
import struct

# ---------------------------------------------------------------------------
# CRC32C (Castagnoli), masked as LevelDB stores it.

_POLY = 0x82F63B78
_TABLE = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ _POLY if _c & 1 else _c >> 1
    _TABLE.append(_c)


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    table = _TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def mask(crc):
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


# ---------------------------------------------------------------------------
# Varints and protobuf fields.


def varint(n):
    """Encodes a non-negative integer (or a negative int64, as 10 bytes)."""
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def read_varint(b, i):
    """(value, next index); raises ValueError on a truncated varint."""
    shift = value = 0
    while True:
        if i >= len(b):
            raise ValueError("truncated varint")
        c = b[i]
        i += 1
        value |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return value, i


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_bytes(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def field_fixed32(number, value):
    return varint(number << 3 | 5) + struct.pack("<I", value)


def proto_fields(b):
    """Top-level fields of a protobuf message: (number, wire type, value, start, end).

    For length-delimited fields value is the payload bytes, else the integer.
    Raises ValueError when the bytes are not a well-formed field sequence.
    """
    i = 0
    out = []
    while i < len(b):
        start = i
        tag, i = read_varint(b, i)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, i = read_varint(b, i)
        elif wire == 1:
            value, i = b[i:i + 8], i + 8
        elif wire == 2:
            n, i = read_varint(b, i)
            value, i = b[i:i + n], i + n
        elif wire == 5:
            value, i = b[i:i + 4], i + 4
        else:
            raise ValueError(f"wire type {wire}")
        if i > len(b):
            raise ValueError("truncated field")
        out.append((number, wire, value, start, i))
    return out


def field_boundaries(b):
    """Offsets where a top-level field of a binary protobuf starts or ends."""
    return sorted({0, len(b)} | {f[3] for f in proto_fields(b)})


# ---------------------------------------------------------------------------
# LevelDB-style tables (V2 .index files and V1 checkpoint files).

FOOTER = 48
MAGIC = struct.pack("<Q", 0xDB4775248B80FB57)
TRAILER = 5  # type byte + masked CRC32C


class Handle:
    def __init__(self, offset, size):
        self.offset, self.size = offset, size

    def encode(self):
        return varint(self.offset) + varint(self.size)

    def __repr__(self):
        return f"Handle({self.offset}, {self.size})"


def read_handle(b, i):
    offset, i = read_varint(b, i)
    size, i = read_varint(b, i)
    return Handle(offset, size), i


def block_entries(contents):
    """(key, value, entry offset) of every entry of an uncompressed block."""
    (restarts,) = struct.unpack_from("<I", contents, len(contents) - 4)
    end = len(contents) - 4 * (restarts + 1)
    out, key, i = [], b"", 0
    while i < end:
        start = i
        shared, i = read_varint(contents, i)
        non_shared, i = read_varint(contents, i)
        value_len, i = read_varint(contents, i)
        key = key[:shared] + contents[i:i + non_shared]
        i += non_shared
        out.append((key, contents[i:i + value_len], start))
        i += value_len
    return out


def block(entries):
    """An uncompressed block, every entry a restart point (no prefix sharing)."""
    body, restarts = bytearray(), []
    for key, value in entries:
        restarts.append(len(body))
        body += varint(0) + varint(len(key)) + varint(len(value)) + key + value
    for r in restarts or [0]:
        body += struct.pack("<I", r)
    body += struct.pack("<I", len(restarts) or 1)
    return bytes(body)


def sealed(contents, kind=0):
    """A block with its trailer: compression type and masked CRC32C over both."""
    return contents + bytes([kind]) + struct.pack("<I", mask(crc32c(bytes([kind]), crc32c(contents))))


def footer_handles(data):
    """The (metaindex, index) handles a footer decodes to, as tuples."""
    meta, i = read_handle(data, len(data) - FOOTER)
    index, _ = read_handle(data, i)
    return (meta.offset, meta.size), (index.offset, index.size)


class Table:
    """A parsed table: footer handles, the index block and each data block."""

    def __init__(self, data):
        self.data = bytes(data)
        n = len(self.data)
        if n < FOOTER or self.data[-8:] != MAGIC:
            raise ValueError("not a table")
        self.footer_start = n - FOOTER
        self.metaindex, i = read_handle(self.data, self.footer_start)
        self.index, i = read_handle(self.data, i)
        self.footer_handles_end = i  # bytes after this, up to the magic, are padding
        self.index_entries = block_entries(self.block_contents(self.index))
        self.data_blocks = []  # (handle, compression type)
        for _, value, _ in self.index_entries:
            h, _ = read_handle(value, 0)
            self.data_blocks.append((h, self.data[h.offset + h.size]))

    def block_contents(self, h):
        return self.data[h.offset:h.offset + h.size]

    def all_blocks(self):
        """Every block's handle: data blocks, metaindex, index (file order)."""
        return sorted([h for h, _ in self.data_blocks] + [self.metaindex, self.index], key=lambda h: h.offset)

    def entries(self):
        """Every (key, value) of the data blocks (Snappy blocks decompressed)."""
        out = []
        for h, kind in self.data_blocks:
            contents = self.block_contents(h)
            if kind == 1:
                contents = snappy_decompress(contents)
            out += [(k, v) for k, v, _ in block_entries(contents)]
        return out

    def checked_ranges(self):
        """Byte ranges a reader checks: blocks with trailers, footer handles, magic."""
        ranges = [(h.offset, h.offset + h.size + TRAILER) for h in self.all_blocks()]
        ranges.append((self.footer_start, self.footer_handles_end))
        ranges.append((len(self.data) - 8, len(self.data)))
        return ranges


def write_table(entries, data_block_kind=0, data_block_transform=None):
    """A complete table holding `entries` (sorted by key) in one data block.

    `data_block_transform` may replace the data block's contents before sealing
    (used to make a Snappy block); `data_block_kind` is its compression type.
    """
    out = bytearray()
    contents = block(entries)
    if data_block_transform:
        contents = data_block_transform(contents)
    data_handle = Handle(0, len(contents))
    out += sealed(contents, data_block_kind)
    meta_handle = Handle(len(out), len(block([])))
    out += sealed(block([]))
    last_key = entries[-1][0] if entries else b""
    index_contents = block([(last_key + b"\xff", data_handle.encode())])
    index_handle = Handle(len(out), len(index_contents))
    out += sealed(index_contents)
    footer = meta_handle.encode() + index_handle.encode()
    out += footer + bytes(40 - len(footer)) + MAGIC
    return bytes(out)


# ---------------------------------------------------------------------------
# V2 bundle index entries (BundleEntryProto).


def bundle_entry(value):
    """The fields of a BundleEntryProto that locate a payload."""
    e = {"dtype": 0, "shard": 0, "offset": 0, "size": 0, "shape": []}
    for number, _, v, _, _ in proto_fields(value):
        if number == 1:
            e["dtype"] = v
        elif number == 2:
            e["shape"] = [
                next((x for n, _, x, _, _ in proto_fields(d) if n == 1), 0)
                for n, _, d, _, _ in proto_fields(v) if n == 2
            ]
        elif number == 3:
            e["shard"] = v
        elif number == 4:
            e["offset"] = v
        elif number == 5:
            e["size"] = v
    return e


def encode_shape(dims):
    return b"".join(field_bytes(2, field_varint(1, d)) for d in dims)


def encode_bundle_entry(dtype, shape, shard=0, offset=0, size=0, crc=0):
    return (field_varint(1, dtype) + field_bytes(2, encode_shape(shape)) + field_varint(3, shard)
            + field_varint(4, offset) + field_varint(5, size) + field_fixed32(6, crc))


# ---------------------------------------------------------------------------
# Snappy: the length preamble, and a literal-only encoder.


def snappy_decompress(b):
    """Raw Snappy data decompressed (literals and copies; no checks beyond Python's)."""
    length, i = read_varint(b, 0)
    out = bytearray()
    while i < len(b):
        tag = b[i]
        i += 1
        kind = tag & 3
        if kind == 0:
            n = tag >> 2
            if n >= 60:
                extra = n - 59
                n = int.from_bytes(b[i:i + extra], "little")
                i += extra
            out += b[i:i + n + 1]
            i += n + 1
            continue
        if kind == 1:
            n, offset = 4 + ((tag >> 2) & 7), ((tag >> 5) << 8) | b[i]
            i += 1
        elif kind == 2:
            n, offset = (tag >> 2) + 1, int.from_bytes(b[i:i + 2], "little")
            i += 2
        else:
            n, offset = (tag >> 2) + 1, int.from_bytes(b[i:i + 4], "little")
            i += 4
        for _ in range(n):
            out.append(out[-offset])
    assert len(out) == length
    return bytes(out)


def snappy_literal(data, declared=None):
    """Raw Snappy data that holds `data` as literals, declaring `declared` bytes."""
    out = bytearray(varint(len(data) if declared is None else declared))
    i = 0
    while i < len(data):
        chunk = data[i:i + 60]
        out.append((len(chunk) - 1) << 2)
        out += chunk
        i += len(chunk)
    return bytes(out)
