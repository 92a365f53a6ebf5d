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
import ctypes as _ctypes
import json as _json
import os as _os

import numpy as _np

from . import _lib

__version__ = "0.9.0"
__all__ = [
    "open", "load", "save", "list_variables", "CheckpointReader", "TensorSlice",
    "Error", "NotFoundError", "CorruptError", "ChecksumError", "UsageError",
]


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

    __slots__ = ("pointer",)

    def __init__(self, pointer):
        self.pointer = pointer

    def __del__(self, _close=_lib.lib.tfmeta_close):
        if self.pointer:
            _close(self.pointer)
            self.pointer = None


class _Owned:
    """A buffer the library allocated for us (a copy), freed with it."""

    __slots__ = ("pointer",)

    def __init__(self, pointer):
        self.pointer = pointer

    def __del__(self, _free=_lib.lib.tfmeta_free):
        if self.pointer:
            _free(self.pointer)
            self.pointer = None


# MARK: - Reading

_View = _lib.View
_tensor_view = _lib.lib.tfmeta_tensor_view
_c_char = _ctypes.c_char
_ndarray = _np.ndarray

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


class CheckpointReader:
    """An open checkpoint; see the module documentation. Made by `tfmeta.open`."""

    def __init__(self, path):
        self._path = _os.fspath(path)
        pointer = _ctypes.c_void_p()
        err = _ctypes.c_void_p()
        if _lib.lib.tfmeta_open(_os.fsencode(self._path), _ctypes.byref(pointer), _ctypes.byref(err)):
            _raise(err)
        self._handle = _Handle(pointer.value)
        if _lib.lib.tfmeta_load_entries(self._handle.pointer, _ctypes.byref(err)):
            _raise(err)
        info = _json.loads(_lib.lib.tfmeta_entries_columns(self._handle.pointer))
        self.format = info["format"]
        self.prefix = info["prefix"]
        self._metadata = {k: str(v) for k, v in info["metadata"].items()}
        self._keys = keys = info["keys"]
        self.dtypes = dict(zip(keys, info["dtypes"]))
        """`{key: TensorFlow dtype name}`."""
        self.shapes = dict(zip(keys, info["shapes"]))
        """`{key: [dims]}` (full shapes of sliced tensors)."""

    # The handle, or an error once closed.
    def _h(self):
        h = self._handle
        if h is None:
            raise UsageError(f"{self._path}: the checkpoint is closed", "invalid-argument", self._path)
        return h

    def keys(self):
        """Every tensor's key, sorted bytewise (as `ckpt list`)."""
        return list(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def __len__(self):
        return len(self._keys)

    def __contains__(self, key):
        return key in self.dtypes

    def has_tensor(self, key):
        """As TensorFlow's `CheckpointReader.has_tensor`."""
        return key in self.dtypes

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
        return self._tensor(key, check_crc=True)

    def get_slice(self, key):
        """A `TensorSlice` to index: `f.get_slice(key)[2:5]`."""
        if key not in self.dtypes:
            self._tensor(key, check_crc=False)  # raises the library's not-found error
        return TensorSlice(self, key)

    def _tensor(self, key, check_crc):
        h = self._handle
        if h is None:
            h = self._h()  # raises
        dtype_name = self.dtypes.get(key)
        shape = self.shapes.get(key, ())
        raw = key.encode("utf-8", "surrogateescape")
        if dtype_name == "string":
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
        # The hot path of reading every tensor: one ctypes object (the out-struct)
        # and one ctypes call per tensor.
        view = _View()
        if _tensor_view(h.pointer, raw, len(raw), 1 if check_crc else 0, view):
            _raise_at(view.error)
        dtype = _dtype_cache.get(dtype_name)
        if dtype is None:
            dtype = numpy_dtype(dtype_name)
            if dtype is None:
                raise Error(f"{self.prefix}: {key} is a {dtype_name} tensor, which has no numpy dtype",
                            "unsupported", self.prefix)
        length = view.length
        if not length:
            return _np.empty(shape, dtype)
        buffer = (_c_char * length).from_address(view.data)
        if view.owner:
            buffer._tfmeta_keep = _Owned(view.owner)
            return _ndarray(shape, dtype, buffer)
        buffer._tfmeta_keep = h
        a = _ndarray(shape, dtype, buffer)
        if view.data % dtype.alignment:
            # Not aligned for its dtype: a copy (still read straight from the mapping).
            return a.copy()
        a.setflags(write=False)
        return a

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

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        return f"<tfmeta.CheckpointReader {self.prefix!r} {self.format}, {len(self._keys)} tensors>"


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
