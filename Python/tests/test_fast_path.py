"""Many small tensors (issue 14) and the lazy open (issue 17), on
Fixtures/ckpt/v2_large_index (6,000 float32 scalars TensorFlow saved):

- after keys(), get_tensor of small V2 tensors makes no library call per key:
  their CRCs are checked a chunk of the listing at a time (tfmeta_check_payloads)
  and they come back as read-only views of the mapped data file;
- a tensor whose CRC fails still raises on its own get_tensor, with the CLI's
  message, and every other tensor stays readable;
- open + get_tensor does not read the listing: a damaged index block that
  single lookups do not touch is reported by keys(), as `tfmeta ckpt list`
  reports it, not by open;
- `import tfmeta` imports neither numpy nor ctypes nor the library.
"""
import shutil
import subprocess
import sys

import numpy as np
import pytest

import tfmeta
from _support import CKPT, cli_error, count_calls, expected

PREFIX, TENSORS = expected(CKPT / "v2_large_index.expected.json")
KEYS = sorted(TENSORS, key=lambda k: k.encode())


def copy_fixture(tmp_path):
    for suffix in (".index", ".data-00000-of-00001"):
        shutil.copyfile(PREFIX + suffix, tmp_path / ("c" + suffix))
    return str(tmp_path / "c")


def test_many_small_tensors_without_a_call_per_key(monkeypatch):
    tfmeta.open(PREFIX).close()  # loads the library before its functions are wrapped
    per_key = count_calls(monkeypatch, "tfmeta_tensor_get")
    checks = count_calls(monkeypatch, "tfmeta_check_payloads")
    with tfmeta.open(PREFIX) as f:
        keys = f.keys()
        assert keys == KEYS
        arrays = [f.get_tensor(k) for k in keys]
        again = f.get_tensor(keys[0])
    assert len(per_key) == 0, "a library call per key"
    # One bulk check per chunk of the listing; 6,000 keys make several chunks (so
    # the key -> chunk lookup is exercised too).
    chunks = -(-len(KEYS) // tfmeta._CHUNK_KEYS)
    assert chunks >= 2 and len(checks) == chunks, f"{len(checks)} calls of tfmeta_check_payloads for 6,000 keys"
    for k, a in zip(keys, arrays):
        dtype, shape, raw = TENSORS[k]
        assert a.dtype == np.float32 and list(a.shape) == shape
        assert a.tobytes() == raw, k
        assert not a.flags.writeable and not a.flags.owndata
    assert again.tobytes() == arrays[0].tobytes()
    with pytest.raises(tfmeta.UsageError):  # closed: no view from the fast path either
        f.get_tensor(keys[1])
    assert arrays[-1].tobytes() == TENSORS[keys[-1]][2]  # views outlive close


def damage_payload(prefix, key):
    """Flips a byte of `key`'s payload in the data file (its value is unique)."""
    data = prefix + ".data-00000-of-00001"
    b = bytearray(open(data, "rb").read())
    value = np.frombuffer(TENSORS[key][2], "<f4")[0]
    at = np.flatnonzero(np.frombuffer(bytes(b), "<f4") == value)
    assert len(at) == 1
    b[int(at[0]) * 4] ^= 0x01
    open(data, "wb").write(bytes(b))


@pytest.mark.parametrize("damaged_first", [False, True], ids=["in-order", "damaged-first"])
def test_a_bad_crc_raises_on_that_key_only(tmp_path, damaged_first):
    prefix = copy_fixture(tmp_path)
    bad = KEYS[2500]
    damage_payload(prefix, bad)
    message = cli_error("ckpt", "show", prefix, bad)
    with tfmeta.open(prefix) as f:
        order = f.keys()
        if damaged_first:
            order.remove(bad)
            order.insert(0, bad)
        for k in order:
            if k == bad:
                with pytest.raises(tfmeta.ChecksumError) as e:
                    f.get_tensor(k)
                assert e.value.code == "bad-checksum" and str(e.value) == message
            else:
                assert f.get_tensor(k).tobytes() == TENSORS[k][2], k
        with pytest.raises(tfmeta.ChecksumError):  # and again
            f.get_tensor(bad)
        # its neighbours, in the same chunk, are still served
        assert f.get_tensor(KEYS[2499]).tobytes() == TENSORS[KEYS[2499]][2]
        assert f.get_tensor(KEYS[2501]).tobytes() == TENSORS[KEYS[2501]][2]


def test_open_and_get_tensor_do_not_list(monkeypatch):
    tfmeta.open(PREFIX).close()
    listings = count_calls(monkeypatch, "tfmeta_columns")
    f = tfmeta.open(PREFIX)
    k = KEYS[4321]
    assert f.get_tensor(k).tobytes() == TENSORS[k][2]
    assert k in f and "no/such" not in f
    assert f.metadata()["format"] == "V2"
    assert len(listings) == 0
    assert len(f) == len(KEYS)
    assert len(listings) == 1
    f.dtypes, f.shapes, f.keys()
    assert len(listings) == 1


def footer_handles(index):
    """(metaindex offset, index block offset) from a table's 48-byte footer."""
    footer = index[-48:]
    values, shift, value = [], 0, 0
    for byte in footer:
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            values.append(value)
            value, shift = 0, 0
            if len(values) == 4:
                break
    return values[0], values[2]


def test_a_damaged_index_block_is_reported_by_keys_not_by_open(tmp_path):
    prefix = copy_fixture(tmp_path)
    index = bytearray(open(prefix + ".index", "rb").read())
    metaindex, _ = footer_handles(bytes(index))
    # A byte well inside the last data block (just before the metaindex block;
    # the first block holds the header and the first keys).
    index[metaindex - 5 - 1000] ^= 0x55
    open(prefix + ".index", "wb").write(bytes(index))
    listing_error = cli_error("ckpt", "list", prefix)

    f = tfmeta.open(prefix)  # lazy: the damaged block is not read
    assert f.format == "V2"
    assert f.get_tensor(KEYS[0]).tobytes() == TENSORS[KEYS[0]][2]
    with pytest.raises(tfmeta.ChecksumError) as e:
        f.get_tensor(KEYS[-1])
    assert e.value.code == "bad-checksum"
    with pytest.raises(tfmeta.ChecksumError) as e:
        f.keys()
    assert str(e.value) == listing_error
    with pytest.raises(tfmeta.ChecksumError):
        len(f)
    with pytest.raises(tfmeta.ChecksumError):
        f.dtypes
    assert f.get_tensor(KEYS[1]).tobytes() == TENSORS[KEYS[1]][2]  # single lookups still work


def test_import_loads_neither_numpy_nor_the_library():
    code = ("import sys, tfmeta\n"
            "loaded = [m for m in ('numpy', 'ctypes', 'tfmeta._lib', 'json') if m in sys.modules]\n"
            "assert not loaded, loaded\n"
            "tfmeta.open(sys.argv[1]).get_tensor(sys.argv[2])\n"
            "assert 'numpy' in sys.modules and 'tfmeta._lib' in sys.modules\n")
    subprocess.run([sys.executable, "-c", code, PREFIX, KEYS[0]], check=True)
