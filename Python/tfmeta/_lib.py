"""Loads MetaGraphKit's C ABI (libTFMetaC.so, shipped in this package) with ctypes.

`TFMETA_LIBRARY` names another copy (a development build) instead. `import tfmeta`
does not import this module: it is loaded on the first call that needs the
library (`tfmeta.open`, `save`, `list_variables`), so importing tfmeta costs
neither ctypes nor the library's load.
"""
import ctypes
import os

_here = os.path.dirname(os.path.abspath(__file__))
LIBRARY_PATH = os.environ.get("TFMETA_LIBRARY") or os.path.join(_here, "libTFMetaC.so")

lib = ctypes.CDLL(LIBRARY_PATH)

_p = ctypes.c_void_p
_pp = ctypes.POINTER(ctypes.c_void_p)
_str = ctypes.c_char_p
_err = ctypes.POINTER(ctypes.c_void_p)  # char ** (kept as void* so we can free it)
_i32, _i64 = ctypes.c_int32, ctypes.c_int64


def _sig(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


class View(ctypes.Structure):
    """tfmeta.h's tfmeta_view: the results of one tfmeta_tensor_view call."""
    _fields_ = [("data", _p), ("length", _i64), ("owner", _p), ("error", _p)]


class Tensor(ctypes.Structure):
    """tfmeta.h's tfmeta_tensor: one tensor and its entry (tfmeta_tensor_get)."""
    _fields_ = [("data", _p), ("length", _i64), ("owner", _p), ("error", _p),
                ("dtype", _i32), ("rank", _i32), ("dims", _p), ("dims_capacity", _i64)]


class Columns(ctypes.Structure):
    """tfmeta.h's tfmeta_columns: the listing as packed arrays (tfmeta_columns)."""
    _fields_ = [("count", _i64), ("keys", _p), ("key_offsets", _p), ("dtype_ids", _p), ("dtypes_json", _p),
                ("shape_ids", _p), ("shapes_json", _p), ("shards", _p), ("offsets", _p), ("sizes", _p)]


ABI_VERSION = 3
_sig("tfmeta_abi_version", _i32)
if lib.tfmeta_abi_version() != ABI_VERSION:
    raise ImportError(f"{LIBRARY_PATH}: C ABI version {lib.tfmeta_abi_version()}, this package needs {ABI_VERSION}")

_sig("tfmeta_free", None, _p)
_sig("tfmeta_open", _i32, _str, _pp, _err)
_sig("tfmeta_close", None, _p)
_sig("tfmeta_info", _str, _p)
_sig("tfmeta_contains", _i32, _p, _str, _i64)
_sig("tfmeta_dtype_name", _i64, _i32, _str, _i64)
_sig("tfmeta_tensor_get", _i32, _p, _str, _i64, _i32, ctypes.POINTER(Tensor))
_sig("tfmeta_tensor_strings", _i32, _p, _str, _i64, ctypes.POINTER(_i64), _pp, _pp, _err)
_sig("tfmeta_columns", _i32, _p, ctypes.POINTER(Columns), _err)
_sig("tfmeta_check_payloads", _i32, _p, _i64, _i64, _p, _err)
_sig("tfmeta_data_file", _i32, _p, _i32, _pp, ctypes.POINTER(_i64), _err)
_sig("tfmeta_columns_distinct", _i32, _p)
_sig("tfmeta_verify", _i32, _p, _err)
_sig("tfmeta_list_variables", _i32, _str, _pp, _err)
_sig("tfmeta_save", _i32, _str, _i32, _i32, _i64,
     ctypes.POINTER(_str), ctypes.POINTER(_str), ctypes.POINTER(_i32), ctypes.POINTER(_i64),
     ctypes.POINTER(_p), ctypes.POINTER(_i64), ctypes.POINTER(_p), _err)


def take_string(pointer):
    """The text of a char* the library returned, freed."""
    if not pointer:
        return None
    try:
        return ctypes.string_at(pointer).decode("utf-8", "replace")
    finally:
        lib.tfmeta_free(pointer)
