"""TensorFlow checkpoints without TensorFlow.

`tfmeta.open(path)` reads any checkpoint the `tfmeta` command reads (a V2 prefix,
a V1 file or `-?????-of-N` pattern, a directory with a `checkpoint` file, a
SavedModel directory) and hands tensors out as numpy arrays. It mirrors
`safetensors.safe_open` and `tf.train.load_checkpoint`::

    with tfmeta.open("model/ckpt-3") as f:
        for key in f.keys():
            x = f.get_tensor(key)

The reading, every check and every CRC are MetaGraphKit's (Swift), called through
its C ABI; this module only converts.

Opening is lazy: `get_tensor` of one key reads one entry of the index, whatever
the number of keys; `keys()`, `dtypes`, `shapes`, `len` and iteration read the
listing on first use (and raise then if the index is damaged). Once it is read,
`get_tensor` of small V2 tensors makes no call into the library per key: their
CRCs are checked a chunk of the listing at a time, and a tensor whose check
fails raises on its own `get_tensor`. Keys asked in the order `keys()` lists
them (a loop over `keys()`, `load`) are found by their place, without hashing;
any other order works the same, through a key -> entry dict made once.
`import tfmeta` loads numpy, ctypes and the library only on the first call that
needs them.

Arrays and dtypes:

* A V2 tensor stored whole comes back as a read-only view of the memory-mapped
  data file (no copy) when its address suits the dtype's alignment; otherwise, and
  for V1, sliced and other tensors, as a writable copy. A view keeps the checkpoint
  mapped for as long as it lives, even after `close()`.
* dtypes are TensorFlow's names (`float32`, `bfloat16`, `string`, …). bfloat16,
  the float8 types, int4/uint4/int2/uint2 and float4_e2m1fn use `ml_dtypes` when
  it is installed; without it they come as unsigned integers of the same width
  (`uint16` for bfloat16: the raw bit patterns; `uint8` for the 1-byte types),
  and `dtypes` still names the real type. Quantized types come as their integer
  storage type (`qint8` as `int8`, …).
* Strings come as numpy object arrays of `bytes`, as TensorFlow's reader gives them.
* Sliced tensors (partitioned variables, V1 and V2) are assembled.

Errors are `tfmeta.Error` with the message the `tfmeta` command prints, its
`code` (`not-found`, `corrupt`, `bad-checksum`, …) and `file`, subclassed by kind:
`NotFoundError`, `CorruptError` (with `ChecksumError` under it) and `UsageError`.
"""
# Nothing heavy is imported here: numpy, ctypes and the native library are loaded
# on the first call that needs them (`open`, `load`, `save`, `list_variables`,
# `numpy_dtype`), so `import tfmeta` stays cheap.
import os as _os

__version__ = "0.10.0"
__all__ = [
    "open", "load", "save", "list_variables", "CheckpointReader", "TensorSlice",
    "Error", "NotFoundError", "CorruptError", "ChecksumError", "UsageError",
]

# Filled by _load() on first use.
_np = None
_ctypes = None
_json = None
_lib = None
_ndarray = None


def _load():
    """Imports numpy, ctypes, json and the native library (once)."""
    global _np, _ctypes, _json, _lib, _ndarray
    if _lib is None:
        import ctypes
        import json

        from importlib import import_module

        import numpy
        # Not `from . import _lib`: that would find the None above.
        lib = import_module(__name__ + "._lib")
        _np, _ctypes, _json, _ndarray = numpy, ctypes, json, numpy.ndarray
        _lib = lib
    return _lib


# MARK: - Errors

class Error(Exception):
    """A failure reported by MetaGraphKit: `code`, `message` (as the CLI prints
    it, after "Error: "), `file`, and any further fields the library reports in
    `fields`."""

    def __init__(self, message, code="io", file=None, fields=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.file = file
        self.fields = dict(fields or {})


class NotFoundError(Error, LookupError):
    """No such file, checkpoint or key (code `not-found`)."""


class CorruptError(Error):
    """The file is damaged or not of its format (`corrupt`, `truncated`,
    `not-a-protobuf`, `too-large`, `too-deep`, …)."""


class ChecksumError(CorruptError):
    """A stored CRC does not match the bytes (code `bad-checksum`)."""


class UsageError(Error, ValueError):
    """A bad argument, or an output that exists (`invalid-argument`, `exists`)."""


_CLASSES = {
    "not-found": NotFoundError,
    "bad-checksum": ChecksumError,
    "corrupt": CorruptError, "truncated": CorruptError, "not-a-protobuf": CorruptError,
    "too-large": CorruptError, "too-deep": CorruptError, "syntax": CorruptError,
    "unknown-name": CorruptError,
    "invalid-argument": UsageError, "exists": UsageError,
}


def _error_from(fields):
    code = fields.get("code", "io")
    cls = _CLASSES.get(code, Error)
    return cls(fields.get("message", "unknown error"), code, fields.get("file"), fields)


def _raise(err):
    """Raises the error whose JSON the library stored in `err` (a c_void_p)."""
    _raise_at(err.value)


def _raise_at(pointer):
    """Raises the error whose JSON the library returned at `pointer` (an int)."""
    text = _lib.take_string(pointer)
    raise _error_from(_json.loads(text) if text else {"message": "unknown error"})


# MARK: - dtypes

_PLAIN = {
    "float32": "float32", "float64": "float64", "int32": "int32", "uint8": "uint8",
    "int16": "int16", "int8": "int8", "complex64": "complex64", "int64": "int64",
    "bool": "bool", "qint8": "int8", "quint8": "uint8", "qint32": "int32",
    "qint16": "int16", "quint16": "uint16", "uint16": "uint16", "complex128": "complex128",
    "float16": "float16", "uint32": "uint32", "uint64": "uint64",
}
# ml_dtypes' name, and the raw type used without it.
_ML = {
    "bfloat16": ("bfloat16", "uint16"),
    "float8_e5m2": ("float8_e5m2", "uint8"), "float8_e4m3fn": ("float8_e4m3fn", "uint8"),
    "float8_e4m3fnuz": ("float8_e4m3fnuz", "uint8"), "float8_e4m3b11fnuz": ("float8_e4m3b11fnuz", "uint8"),
    "float8_e5m2fnuz": ("float8_e5m2fnuz", "uint8"), "int4": ("int4", "int8"), "uint4": ("uint4", "uint8"),
    "int2": ("int2", "int8"), "uint2": ("uint2", "uint8"), "float4_e2m1fn": ("float4_e2m1fn", "uint8"),
}
_dtype_cache = {}


def _ml_dtypes():
    try:
        import ml_dtypes
        return ml_dtypes
    except ImportError:
        return None


def numpy_dtype(name):
    """The numpy dtype tfmeta uses for a TensorFlow dtype name (None for `string`,
    `variant`, `resource` and unknown names)."""
    if name in _dtype_cache:
        return _dtype_cache[name]
    _load()
    dt = None
    if name in _PLAIN:
        dt = _np.dtype(_PLAIN[name])
    elif name in _ML:
        ml = _ml_dtypes()
        t = getattr(ml, _ML[name][0], None) if ml is not None else None
        dt = _np.dtype(t) if t is not None else _np.dtype(_ML[name][1])
    _dtype_cache[name] = dt
    return dt


def _tf_dtype_name(dtype):
    """The TensorFlow name of a numpy dtype, for saving."""
    name = dtype.name
    if dtype.kind in "OSU":
        return "string"
    if name in _ML:  # an ml_dtypes type: bfloat16, float8_*, int4, …
        return name
    if name in _PLAIN and _PLAIN[name] == name:
        return name
    raise UsageError(f"arrays of numpy dtype {name} have no TensorFlow dtype", "invalid-argument")


# MARK: - Buffers

class _Handle:
    """The native handle. Mapped tensor bytes stay valid while it lives, so every
    view holds a reference to it; the reader's close() only drops the reader's."""

    __slots__ = ("pointer", "_close")

    def __init__(self, pointer):
        self.pointer = pointer
        self._close = _lib.lib.tfmeta_close

    def __del__(self):
        if self.pointer:
            self._close(self.pointer)
            self.pointer = None


class _Owned:
    """A buffer the library allocated for us (a copy), freed with it."""

    __slots__ = ("pointer", "_free")

    def __init__(self, pointer):
        self.pointer = pointer
        self._free = _lib.lib.tfmeta_free

    def __del__(self):
        if self.pointer:
            self._free(self.pointer)
            self.pointer = None


def _lent_array(address, dtype, count):
    """A read-only numpy copy of `count` elements of numpy `dtype` the library
    lends at `address`."""
    dtype = _np.dtype(dtype)
    if not count:
        return _np.zeros(0, dtype)
    return _np.frombuffer(_ctypes.string_at(address, count * dtype.itemsize), dtype)


# MARK: - Reading

from bisect import bisect_right as _bisect_right  # noqa: E402 (both cheap, in every interpreter)
from itertools import repeat as _repeat  # noqa: E402

_dtype_names = {}  # DataType number -> TensorFlow name


def _dtype_name(code):
    name = _dtype_names.get(code)
    if name is None:
        buffer = _ctypes.create_string_buffer(64)
        n = _lib.lib.tfmeta_dtype_name(code, buffer, 64)
        name = buffer.raw[:min(n, 63)].decode("utf-8", "replace")
        _dtype_names[code] = name
    return name


class TensorSlice:
    """Part of one tensor, read on indexing: `f.get_slice(key)[0:10, :]`.

    For a V2 tensor stored whole only the pages of the selected elements are read
    (its whole-tensor CRC is then not checked, since it covers bytes not read;
    bounds and size are). Other tensors are read whole, then indexed."""

    def __init__(self, reader, key):
        self._reader = reader
        self._key = key

    def get_shape(self):
        return list(self._reader.shapes[self._key])

    def get_dtype(self):
        return self._reader.dtypes[self._key]

    @property
    def shape(self):
        return tuple(self._reader.shapes[self._key])

    @property
    def dtype(self):
        return self._reader.dtypes[self._key]

    def __getitem__(self, index):
        view = self._reader._tensor(self._key, check_crc=False)
        return _np.array(view[index])

    def __len__(self):
        shape = self._reader.shapes[self._key]
        if not shape:
            raise TypeError("len() of a scalar tensor")
        return shape[0]


# Payloads checked in bulk (tfmeta_check_payloads) are at most this big; bigger
# ones are read one call each (their CRC costs far more than the call). A chunk
# of the listing, checked in one call on the first get_tensor of one of its
# keys, holds at most _CHUNK_KEYS keys and _CHUNK_BYTES bytes of payloads.
_SMALL = 1 << 20
_CHUNK_KEYS = 4096
_CHUNK_BYTES = 4 << 20


class _Listing:
    """Every entry of a checkpoint, from one tfmeta_columns call, and what the
    fast path of get_tensor needs to serve views without a call per key."""

    def __init__(self, h):
        cols = _lib.Columns()
        err = _ctypes.c_void_p()
        if _lib.lib.tfmeta_columns(h.pointer, _ctypes.byref(cols), _ctypes.byref(err)):
            _raise(err)
        n = cols.count
        self.count = n
        key_offsets = _lent_array(cols.key_offsets, _np.int64, n + 1)
        total = int(key_offsets[n]) if n else 0
        blob = _ctypes.string_at(cols.keys, total) if total else b""
        keys = blob[:-1].decode("utf-8", "surrogateescape").split("\0") if n else []
        if len(keys) != n:  # a key holds a NUL byte: cut by offsets instead
            bounds = key_offsets.tolist()
            keys = [blob[bounds[i]:bounds[i + 1] - 1].decode("utf-8", "surrogateescape") for i in range(n)]
        self.keys = keys
        self.dtype_names = _json.loads(_ctypes.string_at(cols.dtypes_json))
        self.shape_tuples = [tuple(s) for s in _json.loads(_ctypes.string_at(cols.shapes_json))]
        self.dtype_ids = _lent_array(cols.dtype_ids, _np.int32, n)
        self.shape_ids = _lent_array(cols.shape_ids, _np.int32, n)
        self._index = None
        self._dtypes = None
        self._shapes = None
        self.chunks = None  # [start, ..., n] when some tensors can take the fast path
        if n == 0:
            return
        shards = _lent_array(cols.shards, _np.int32, n)
        if not (shards >= 0).any():
            return  # V1, another framework's format, nothing plain: all through the library
        offsets = _lent_array(cols.offsets, _np.int64, n)
        sizes = _lent_array(cols.sizes, _np.int64, n)
        # Per distinct dtype: numpy dtype, item size, alignment (a power of two, as
        # its log); per (dtype, shape) pair: the bytes of a tensor stored whole,
        # -1 when more than _SMALL (or no numpy dtype).
        np_dtypes = [numpy_dtype(name) for name in self.dtype_names]
        nd, ns = len(np_dtypes), len(self.shape_tuples)
        itemsize = _np.array([d.itemsize if d is not None else 0 for d in np_dtypes], _np.float64)
        shifts = [d.alignment.bit_length() - 1 if d is not None else 0 for d in np_dtypes]
        counts = _np.array([_prod(s) for s in self.shape_tuples], _np.float64)
        whole = itemsize[:, None] * counts[None, :]
        whole = _np.where((whole > 0) & (whole <= _SMALL), whole, -1).astype(_np.int64).reshape(-1)
        pair = self.dtype_ids.astype(_np.int64) * ns + self.shape_ids
        shift = shifts[0] if nd == 1 else _np.array(shifts, _np.int64)[self.dtype_ids]
        # Stored whole, a dtype numpy has, exactly the shape's bytes, small, aligned
        # in the file (data files are mapped at page boundaries: in memory too).
        eligible = (sizes == whole[pair]) & (shards >= 0) & (offsets & ((1 << shift) - 1) == 0)
        if not eligible.any():
            return
        self.np_dtypes = np_dtypes
        self.eligible = eligible
        self.shards = shards
        self.item_bytes = sizes
        # Per entry: its (data file, dtype, shape) group, and its index in that
        # group's array over the whole mapping (see CheckpointReader._big_array),
        # whose first dimension steps by the dtype's alignment.
        self.groups = shards.astype(_np.int64) * (nd * ns) + pair
        self.steps = offsets >> shift
        # Chunks of consecutive entries with at most _CHUNK_KEYS keys and
        # _CHUNK_BYTES of small payloads (a chunk ends where either count rolls over).
        small = sizes * eligible
        if n <= _CHUNK_KEYS and int(small.sum()) <= _CHUNK_BYTES:
            self.chunks = [0, n]  # the common case, without the arithmetic below
        else:
            before = _np.cumsum(small) - small
            change = _np.empty(n, bool)
            change[0] = True
            by_keys = _np.arange(n) // _CHUNK_KEYS
            by_bytes = before // _CHUNK_BYTES
            change[1:] = (by_keys[1:] != by_keys[:-1]) | (by_bytes[1:] != by_bytes[:-1])
            self.chunks = _np.flatnonzero(change).tolist() + [n]
        self.checked = [False] * (len(self.chunks) - 1)
        # Each group's array over the whole mapping, made on first use: tensor i
        # is bigs[groups[i]][steps[i], ...].
        self.bigs = {}
        # Whether the keys are strictly increasing bytewise, hence distinct, so
        # that a key object's place in `keys` names its entry (a damaged index may
        # repeat a key; then the last one counts, as in the library, found through
        # `index`). The library compares the bytes (in Python: 0.2 ms per 3,000).
        self.distinct = _lib.lib.tfmeta_columns_distinct(h.pointer) == 1

    @property
    def index(self):
        """`{key: entry number}`, made on first use."""
        if self._index is None:
            self._index = dict(zip(self.keys, range(self.count)))
        return self._index

    @property
    def dtypes(self):
        if self._dtypes is None:
            names = self.dtype_names
            self._dtypes = dict(zip(self.keys, [names[i] for i in self.dtype_ids.tolist()]))
        return self._dtypes

    @property
    def shapes(self):
        if self._shapes is None:
            shapes = self.shape_tuples
            self._shapes = dict(zip(self.keys, [list(shapes[i]) for i in self.shape_ids.tolist()]))
        return self._shapes

    def chunk_at(self, i):
        """The chunk holding entry i."""
        chunks = self.chunks
        return 0 if len(chunks) == 2 else _bisect_right(chunks, i) - 1


# The end of CheckpointReader._order: an object no caller holds, so never `is` a key.
_END = object()
_NO_ORDER = (_END,)


def _prod(shape):
    n = 1
    for d in shape:
        n *= d
    return n


class CheckpointReader:
    """An open checkpoint; see the module documentation. Made by `tfmeta.open`.

    Opening reads only what looking up single keys needs (for V2 the index's
    footer and header): `get_tensor` of one key costs one binary search of the
    index whatever the number of keys. The listing (`keys()`, `dtypes`,
    `shapes`, `len`, iteration) is read on first use, and from then on
    `get_tensor` of small V2 tensors checks their CRCs many at a time and hands
    out views of the mapped data file without a library call per key."""

    def __init__(self, path):
        _load()
        self._path = _os.fspath(path)
        pointer = _ctypes.c_void_p()
        err = _ctypes.c_void_p()
        if _lib.lib.tfmeta_open(_os.fsencode(self._path), _ctypes.byref(pointer), _ctypes.byref(err)):
            _raise(err)
        self._handle = _Handle(pointer.value)
        info = _json.loads(_lib.lib.tfmeta_info(self._handle.pointer))
        self.format = info["format"]
        self.prefix = info["prefix"]
        self._metadata = {k: str(v) for k, v in info["metadata"].items()}
        self._listing = None
        # The fast path of get_tensor, for payloads checked in bulk. Those of the
        # listing's most common group (data file, dtype, shape) are served as
        # `_big[_js[i]]`, i their entry number: `_js[i]` is their index in that
        # group's array `_big` (an int, or (int, ...) for a scalar so that the
        # result is a 0-d view), None for every other entry. The entry of a key is
        # found without hashing when it is the key object keys() lists after the
        # one asked for last (`_order[_at]`: how keys() is iterated), through the
        # listing's `index` otherwise. Payloads of other groups are in
        # `_fast_other`: key -> (their group's array, index).
        self._order = _NO_ORDER  # keys() + [_END] once listed, when they are distinct
        self._at = 0
        self._js = None
        self._big = None
        self._main = None  # the group of `_big`
        self._fast_other = {}
        self._data_files = {}  # shard -> read-only memoryview of its mapping

    # The handle, or an error once closed.
    def _h(self):
        h = self._handle
        if h is None:
            raise UsageError(f"{self._path}: the checkpoint is closed", "invalid-argument", self._path)
        return h

    def _list(self):
        """The listing, read on first use (raises the error of a damaged index)."""
        listing = self._listing
        if listing is None:
            listing = self._listing = _Listing(self._h())
            if listing.chunks is not None:
                self._js = [None] * listing.count
                if listing.distinct:
                    self._order = listing.keys + [_END]
        return listing

    @property
    def dtypes(self):
        """`{key: TensorFlow dtype name}`."""
        return self._list().dtypes

    @property
    def shapes(self):
        """`{key: [dims]}` (full shapes of sliced tensors)."""
        return self._list().shapes

    def keys(self):
        """Every tensor's key, sorted bytewise (as `ckpt list`)."""
        return list(self._list().keys)

    def __iter__(self):
        return iter(self._list().keys)

    def __len__(self):
        return self._list().count

    def __contains__(self, key):
        if self._listing is not None:
            return key in self._listing.index
        raw = key.encode("utf-8", "surrogateescape")
        return _lib.lib.tfmeta_contains(self._h().pointer, raw, len(raw)) == 1

    def has_tensor(self, key):
        """As TensorFlow's `CheckpointReader.has_tensor`."""
        return key in self

    def metadata(self):
        """Facts about the checkpoint as strings: `format` (`V1`, `V2`, …),
        `prefix`, and `data_files` (V2) or `files` (V1)."""
        return dict(self._metadata)

    def get_variable_to_shape_map(self):
        """As TensorFlow's reader: `{key: [dims]}`."""
        return {k: list(v) for k, v in self.shapes.items()}

    def get_variable_to_dtype_map(self):
        """`{key: TensorFlow dtype name}` (TensorFlow's reader gives `tf.DType`s)."""
        return dict(self.dtypes)

    def get_tensor(self, key):
        """The whole tensor as a numpy array (see the module documentation for
        views, copies and dtypes)."""
        i = self._at
        if self._order[i] is key:  # the key keys() lists after the last one asked for
            self._at = i + 1
            j = self._js[i]
            if j is not None:
                return self._big[j]
            return self._get_tensor(key, i)
        return self._get_tensor(key, None)

    def _get_tensor(self, key, i):
        """get_tensor of `key`, entry `i` of the listing when known, past the
        quickest path."""
        listing = self._listing
        if listing is None or listing.chunks is None or self._handle is None:
            return self._tensor(key, check_crc=True)  # (raises once closed)
        if i is None:
            i = listing.index.get(key)
            if i is None:
                return self._tensor(key, check_crc=True)  # the library's not-found error
            if self._order is not _NO_ORDER:
                self._at = i + 1  # (keys() order resumes from here)
            j = self._js[i]
            if j is not None:
                return self._big[j]
        if listing.eligible[i]:
            chunk = listing.chunk_at(i)
            if not listing.checked[chunk]:
                self._check_chunk(listing, chunk)
                j = self._js[i]
                if j is not None:
                    return self._big[j]
            r = self._fast_other.get(key)
            if r is not None:
                return r[0][r[1], ...]
        return self._tensor(key, check_crc=True)

    def _check_chunk(self, listing, chunk):
        """Checks the payloads of one chunk of the listing in one call (shard,
        bounds, size, CRC) and adds those that pass to the fast path (`_js`,
        `_fast_other`). The others keep going through the library one call
        each, which raises their error. No array is made here: get_tensor makes
        each view when asked (`big[j]`, or `big[j, ...]` for a scalar: a 0-d
        view, not a numpy scalar)."""
        h = self._h()
        start, end = listing.chunks[chunk], listing.chunks[chunk + 1]
        ok = _np.zeros(end - start, _np.uint8)
        err = _ctypes.c_void_p()
        if _lib.lib.tfmeta_check_payloads(h.pointer, start, end - start, ok.ctypes.data, _ctypes.byref(err)):
            _raise(err)
        listing.checked[chunk] = True
        mask = (ok != 0) & listing.eligible[start:end]
        groups = listing.groups[start:end]
        bigs = listing.bigs
        main = self._main
        if main is None:  # the first chunk checked: its most common group
            if not mask.any():
                return
            served = groups[mask]
            if (served == served[0]).all():
                main = int(served[0])
            else:
                codes, counts = _np.unique(served, return_counts=True)
                main = int(codes[_np.argmax(counts)])
            big = bigs.get(main)
            if big is None:
                big = bigs[main] = self._big_array(h, listing, start + int(_np.argmax(mask & (groups == main))))
            self._main, self._big = main, big
        fast = mask & (groups == main)
        steps = listing.steps[start:end]
        js = steps.tolist()
        if self._big.ndim == 1:  # scalars
            js = list(zip(js, _repeat(Ellipsis)))
        if not fast.all():
            for k in _np.flatnonzero(~fast).tolist():
                js[k] = None
        self._js[start:end] = js
        other = _np.flatnonzero(mask & ~fast)
        if not len(other):
            return
        keys = listing.keys
        codes, first, inverse = _np.unique(groups[other], return_index=True, return_inverse=True)
        arrays = []
        for code, k in zip(codes.tolist(), other[first].tolist()):
            big = bigs.get(code)
            if big is None:
                big = bigs[code] = self._big_array(h, listing, start + k)
            arrays.append(big)
        self._fast_other.update(zip([keys[start + k] for k in other.tolist()],
                                    zip(map(arrays.__getitem__, inverse.reshape(-1).tolist()),
                                        steps[other].tolist())))

    def _big_array(self, h, listing, i):
        """A read-only array over all of entry i's data file: element j (its
        first index) is a tensor of entry i's dtype and shape at byte j *
        alignment. It holds the handle, so views of it keep the file mapped."""
        shard = int(listing.shards[i])
        view = self._data_files.get(shard)
        if view is None:
            view = self._data_files[shard] = self._data_file(h, shard)
        dtype = listing.np_dtypes[listing.dtype_ids[i]]
        shape = listing.shape_tuples[listing.shape_ids[i]]
        step = dtype.alignment
        nbytes = int(listing.item_bytes[i])
        inner = []
        stride = dtype.itemsize
        for d in reversed(shape):
            inner.insert(0, stride)
            stride *= d
        count = (len(view) - nbytes) // step + 1
        return _ndarray((count,) + shape, dtype, view, 0, (step,) + tuple(inner))

    def _data_file(self, h, shard):
        """A read-only memoryview of data file `shard`'s mapping; it holds the handle."""
        data = _ctypes.c_void_p()
        length = _ctypes.c_int64()
        err = _ctypes.c_void_p()
        if _lib.lib.tfmeta_data_file(h.pointer, shard, _ctypes.byref(data), _ctypes.byref(length), _ctypes.byref(err)):
            _raise(err)
        if data.value % 4096:
            # Mappings start at a page; were this one not, alignment in the file
            # would not be alignment in memory.
            raise Error(f"{self.prefix}: data file {shard} is not mapped at a page boundary", "io", self.prefix)
        buffer = (_ctypes.c_char * length.value).from_address(data.value)
        buffer._tfmeta_keep = h
        base = _np.frombuffer(buffer, _np.uint8)
        base.setflags(write=False)
        return memoryview(base)

    def get_slice(self, key):
        """A `TensorSlice` to index: `f.get_slice(key)[2:5]`."""
        if key not in self:
            self._tensor(key, check_crc=False)  # raises the library's not-found error
        return TensorSlice(self, key)

    def _tensor(self, key, check_crc):
        """One tensor through the library (one call; no listing needed)."""
        h = self._handle
        if h is None:
            h = self._h()  # raises
        raw = key.encode("utf-8", "surrogateescape")
        dims = (_ctypes.c_int64 * 32)()
        t = _lib.Tensor()
        t.dims = _ctypes.addressof(dims)
        t.dims_capacity = 32
        if _lib.lib.tfmeta_tensor_get(h.pointer, raw, len(raw), 1 if check_crc else 0, t):
            _raise_at(t.error)
        owned = _Owned(t.owner) if t.owner else None
        rank = t.rank
        if rank > 32:  # rare: the entry again, with room for every dimension
            del owned
            dims = (_ctypes.c_int64 * rank)()
            t = _lib.Tensor()
            t.dims = _ctypes.addressof(dims)
            t.dims_capacity = rank
            if _lib.lib.tfmeta_tensor_get(h.pointer, raw, len(raw), 1 if check_crc else 0, t):
                _raise_at(t.error)
            owned = _Owned(t.owner) if t.owner else None
        shape = tuple(dims[:rank])
        dtype_name = _dtype_name(t.dtype)
        if t.length < 0:  # a string tensor
            return self._strings(h, raw, shape)
        dtype = numpy_dtype(dtype_name)
        if dtype is None:
            raise Error(f"{self.prefix}: {key} is a {dtype_name} tensor, which has no numpy dtype",
                        "unsupported", self.prefix)
        length = t.length
        if not length:
            return _np.empty(shape, dtype)
        buffer = (_ctypes.c_char * length).from_address(t.data)
        if owned is not None:
            buffer._tfmeta_keep = owned
            return _ndarray(shape, dtype, buffer)
        buffer._tfmeta_keep = h
        a = _ndarray(shape, dtype, buffer)
        if t.data % dtype.alignment:
            # Not aligned for its dtype: a copy (still read straight from the mapping).
            return a.copy()
        a.setflags(write=False)
        return a

    @staticmethod
    def _strings(h, raw, shape):
        err = _ctypes.c_void_p()
        count = _ctypes.c_int64()
        offsets = _ctypes.c_void_p()
        data = _ctypes.c_void_p()
        if _lib.lib.tfmeta_tensor_strings(h.pointer, raw, len(raw), _ctypes.byref(count), _ctypes.byref(offsets),
                                          _ctypes.byref(data), _ctypes.byref(err)):
            _raise(err)
        owned = _Owned(offsets.value)
        n = count.value
        offs = _np.ctypeslib.as_array(_ctypes.cast(offsets, _ctypes.POINTER(_ctypes.c_int64)), (n + 1,)).tolist()
        blob = _ctypes.string_at(data.value, offs[n]) if offs[n] else b""
        del owned
        out = _np.empty(n, dtype=object)
        for i in range(n):
            out[i] = blob[offs[i]:offs[i + 1]]
        return out.reshape(shape)

    def verify(self):
        """Checks everything (`tfmeta ckpt verify`): every block and tensor CRC,
        sizes, slices, the object graph. Returns None when the checkpoint is
        sound; raises the first problem otherwise, with all of them (as
        `tfmeta.Error`s) in its `problems` attribute."""
        h = self._h()
        err = _ctypes.c_void_p()
        if _lib.lib.tfmeta_verify(h.pointer, _ctypes.byref(err)) == 0:
            return None
        text = _lib.take_string(err.value)
        problems = [_error_from(p) for p in _json.loads(text or "[]")]
        if not problems:
            raise Error(f"{self.prefix}: verification failed", "io", self.prefix)
        first = problems[0]
        first.problems = problems
        raise first

    def close(self):
        """Drops this reader's hold on the checkpoint. Arrays already returned stay
        valid (the files stay mapped until the last one goes)."""
        self._handle = None
        self._order = _NO_ORDER
        self._at = 0
        self._big = None
        self._fast_other = {}
        self._data_files = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        count = ""
        if self._listing is not None or self._handle is not None:
            try:
                count = f", {len(self)} tensors"
            except Error:
                count = ", index unreadable"
        return f"<tfmeta.CheckpointReader {self.prefix!r} {self.format}{count}>"


def open(path, framework="numpy"):
    """Opens a checkpoint: a V2 prefix (or its `.index`), a V1 file, pattern or
    sharded prefix, a directory with a `checkpoint` file, a SavedModel
    directory, or a Keras 3 `.weights.h5`/`.keras` file (libhdf5 is loaded only
    then; the wheel ships its own). `framework` is accepted for `safetensors.safe_open` compatibility;
    only numpy (`"np"`, `"numpy"`) is supported."""
    if framework not in ("np", "numpy"):
        raise UsageError(f"framework {framework!r}: tfmeta gives numpy arrays only", "invalid-argument")
    return CheckpointReader(path)


def load(path):
    """Every tensor of a checkpoint: `{key: numpy array}`."""
    with open(path) as f:
        return {k: f.get_tensor(k) for k in f.keys()}


def list_variables(path):
    """`[(key, shape)]` sorted by key, as `tf.train.list_variables`."""
    _load()
    out = _ctypes.c_void_p()
    err = _ctypes.c_void_p()
    if _lib.lib.tfmeta_list_variables(_os.fsencode(_os.fspath(path)), _ctypes.byref(out), _ctypes.byref(err)):
        _raise(err)
    info = _json.loads(_lib.take_string(out.value))
    return sorted((e["key"], list(e["shape"])) for e in info["entries"])


# MARK: - Writing

def save(arrays, prefix, shards=1, overwrite=False):
    """Writes a V2 checkpoint (`PREFIX.index`, `PREFIX.data-*-of-N`) that
    `tf.train.load_checkpoint` and `tf.train.Checkpoint` restore.

    `arrays` maps keys to anything `numpy.asarray` takes; object, bytes and str
    arrays become string tensors (str encoded as UTF-8). Files are written under
    temporary names and renamed into place when complete; an existing checkpoint
    at `prefix` is replaced only with `overwrite=True`. Returns `prefix`."""
    _load()
    prefix = _os.fspath(prefix)
    keep = []
    n = len(arrays)
    keys = (_ctypes.c_char_p * max(1, n))()
    dtypes = (_ctypes.c_char_p * max(1, n))()
    ranks = (_ctypes.c_int32 * max(1, n))()
    data = (_ctypes.c_void_p * max(1, n))()
    lengths = (_ctypes.c_int64 * max(1, n))()
    offsets = (_ctypes.c_void_p * max(1, n))()
    dims = []
    for i, (key, value) in enumerate(arrays.items()):
        if not isinstance(key, str):
            raise UsageError(f"{prefix}: keys must be str, got {key!r}", "invalid-argument", prefix)
        a = _np.asarray(value)
        name = _tf_dtype_name(a.dtype)
        keys[i] = key.encode("utf-8", "surrogateescape")
        dtypes[i] = name.encode()
        ranks[i] = a.ndim
        dims.extend(int(d) for d in a.shape)
        if name == "string":
            items = [x.encode("utf-8") if isinstance(x, str) else bytes(x) for x in a.reshape(-1).tolist()]
            offs = _np.zeros(len(items) + 1, dtype=_np.int64)
            if items:
                _np.cumsum([len(x) for x in items], out=offs[1:])
            blob = b"".join(items)
            keep += [offs, blob]
            data[i] = _ctypes.cast(_ctypes.c_char_p(blob), _ctypes.c_void_p) if blob else None
            lengths[i] = len(blob)
            offsets[i] = offs.ctypes.data
        else:
            a = _np.ascontiguousarray(a)
            if a.dtype.byteorder == ">":
                a = a.astype(a.dtype.newbyteorder("<"))
            keep.append(a)
            data[i] = a.ctypes.data if a.nbytes else None
            lengths[i] = a.nbytes
            offsets[i] = None
    dim_array = (_ctypes.c_int64 * max(1, len(dims)))(*dims)
    err = _ctypes.c_void_p()
    if _lib.lib.tfmeta_save(_os.fsencode(prefix), int(shards), 1 if overwrite else 0, n, keys, dtypes, ranks,
                            dim_array, data, lengths, offsets, _ctypes.byref(err)):
        _raise(err)
    del keep
    return prefix
