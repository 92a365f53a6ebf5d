"""Keras 3 files through tfmeta.open: every value equals what h5py read from the
file Keras wrote (Fixtures/keras/small.values.json, by Fixtures/generate.py), and
libhdf5 is loaded only when an HDF5 file is read — from the wheel's own copy when
the tests run from the installed wheel (TFMETA_WHEEL_TEST=1, Scripts/test-wheel)."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import tfmeta
from _support import FIXTURES

KERAS = FIXTURES / "keras"
VALUES = json.loads((KERAS / "small.values.json").read_text())


@pytest.mark.parametrize("name", ["small.weights.h5", "small.keras"])
def test_keras_file_values_equal_h5py(name):
    want = VALUES[name]
    with tfmeta.open(KERAS / name) as f:
        assert sorted(f.keys()) == sorted(want)
        for key, w in want.items():
            a = f.get_tensor(key)
            assert f.dtypes[key] == w["dtype"], key
            assert list(a.shape) == w["shape"], key
            assert a.dtype == np.dtype(w["dtype"]), key
            assert a.ravel().tolist() == w["values"], key
        assert f.verify() is None


# Run in a fresh interpreter: which shared objects does reading map?
_MAPS = """
import sys, tfmeta
def mapped():
    with open("/proc/self/maps") as f:
        return sorted({line.split()[-1] for line in f if ".so" in line})
with tfmeta.open(sys.argv[1]) as f:
    for k in f.keys():
        f.get_tensor(k)
before = mapped()
with tfmeta.open(sys.argv[2]) as f:
    for k in f.keys():
        f.get_tensor(k)
print("\\n".join(before))
print("--")
print("\\n".join(mapped()))
"""


def test_libhdf5_is_loaded_only_for_hdf5_files():
    out = subprocess.run([sys.executable, "-c", _MAPS, str(FIXTURES / "ckpt" / "v2_dtypes"),
                          str(KERAS / "small.weights.h5")], check=True, capture_output=True, text=True).stdout
    before, after = out.split("--\n")
    assert not [p for p in before.split() if "hdf5" in p or "curl" in p], before
    hdf5 = [p for p in after.split() if "libhdf5" in p]
    assert hdf5, after
    # No part of libcurl's stack is ever loaded (Debian's libhdf5 would bring it).
    if os.environ.get("TFMETA_WHEEL_TEST"):
        package = os.path.dirname(tfmeta.__file__)
        assert all(p.startswith(package + os.sep) for p in hdf5), (package, hdf5)
        assert not [p for p in after.split() if "curl" in p or "gnutls" in p or "krb5" in p], after


def test_unloadable_libhdf5_is_a_clear_error_not_a_crash():
    # TFMETA_HDF5_LIBRARY names the libhdf5 to load instead of the shipped one.
    code = ("import sys, tfmeta\n"
            "try:\n"
            "    tfmeta.open(sys.argv[1])\n"
            "except tfmeta.Error as e:\n"
            "    print(e.code, '|', e)\n")
    env = {**os.environ, "TFMETA_HDF5_LIBRARY": "/nonexistent/libhdf5.so"}
    out = subprocess.run([sys.executable, "-c", code, str(KERAS / "small.weights.h5")], env=env,
                         check=True, capture_output=True, text=True).stdout
    assert out.startswith("unsupported | "), out
    assert "small.weights.h5: reading and writing HDF5 needs libhdf5" in out, out
    assert "/nonexistent/libhdf5.so" in out, out
