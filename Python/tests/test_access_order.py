"""get_tensor's fast path (issue 14) whatever the order keys are asked in.

Once the listing is read, get_tensor of a small V2 tensor finds its entry
without hashing when the key is the object keys() lists after the one asked
for last (a loop over keys(), load()), and through a key -> entry dict
otherwise. Both must give the same arrays, the same views and the same errors:

- every order (listed, reversed, shuffled, each key twice, copies of the key
  strings, every other key) gives the values TensorFlow wrote and makes no
  library call per key for the tensors the bulk check passed;
- a checkpoint with several (dtype, shape) groups, scalars among them, and
  keys in multi-byte UTF-8;
- a payload damaged in the middle of one bulk check raises its own
  ChecksumError (the CLI's message) while its neighbours are still served;
- close() in the middle of a loop stops the fast path;
- a damaged index that repeats a key (tfmeta_columns_distinct 0) is read as
  the library reads it: the last entry of the key, whichever key object.
"""
import random

import numpy as np
import pytest

import tfmeta
from _support import CKPT, cli_error, count_calls, expected


def orders(keys):
    """(name, list of key objects to ask for) for `keys` as keys() gave them."""
    shuffled = list(keys)
    random.Random(14).shuffle(shuffled)
    return [
        ("listed", list(keys)),
        ("reversed", list(reversed(keys))),
        ("shuffled", shuffled),
        ("twice", [k for k in keys for _ in range(2)]),
        ("copies", ["".join(list(k)) for k in keys]),  # equal strings, other objects
        ("odd-then-even", keys[1::2] + keys[0::2]),
        ("from-the-middle", keys[len(keys) // 2:] + keys[:len(keys) // 2]),
    ]


def stored(a):
    return np.ascontiguousarray(a).tobytes()


def check_value(a, dtype, shape, value, key):
    assert list(a.shape) == shape, key
    if dtype == "string":
        assert [x for x in a.reshape(-1)] == value, key
    else:
        assert stored(a) == value, key


@pytest.mark.parametrize("fixture", ["v2_large_index", "v2_dtypes"])
def test_every_order_gives_tensorflows_values_with_the_same_calls(monkeypatch, fixture):
    prefix, tensors = expected(CKPT / f"{fixture}.expected.json")
    tfmeta.open(prefix).close()  # loads the library before its functions are wrapped
    per_key = count_calls(monkeypatch, "tfmeta_tensor_get")
    with tfmeta.open(prefix) as f:
        keys = f.keys()
    # The calls of the listed order: the tensors that cannot be views (strings,
    # empty, misaligned) go through the library, every order the same.
    per_order = {}
    for name, order in orders(keys):
        per_key.clear()
        with tfmeta.open(prefix) as f:
            assert f.keys() == keys
            arrays = [f.get_tensor(k) for k in order]
        for k, a in zip(order, arrays):
            check_value(a, *tensors[k], k)
        asked = {}
        for k in order:
            asked[k] = asked.get(k, 0) + 1
        per_order[name] = sorted(bytes(c[1]).decode() for c in per_key)
        assert len(per_key) == sum(asked[k] for k in {bytes(c[1]).decode() for c in per_key}), name
    listed = per_order["listed"]
    for name, calls in per_order.items():
        assert sorted(set(calls)) == sorted(set(listed)), f"{name}: other keys went through the library"
    if fixture == "v2_large_index":
        assert listed == [], "6,000 float32 scalars: every one a view, no call per key"
    else:
        # Strings and empty tensors have no view; most numeric tensors are views.
        assert {k for k in keys if tensors[k][0] == "string" or 0 in tensors[k][1]} <= set(listed)
        assert len(set(listed)) < len(keys) // 2, listed


def test_views_are_read_only_and_new_objects_every_call():
    prefix, tensors = expected(CKPT / "v2_large_index.expected.json")
    with tfmeta.open(prefix) as f:
        keys = f.keys()
        first = [f.get_tensor(k) for k in keys[:10]]
        again = [f.get_tensor(k) for k in keys[:10]]
        for a, b, k in zip(first, again, keys):
            assert a is not b
            assert not a.flags.writeable and not a.flags.owndata and a.shape == ()
            assert stored(a) == stored(b) == tensors[k][2]
            with pytest.raises(ValueError):
                a[...] = 0
        a = f.get_tensor(keys[3])
        a.shape = (1,)  # reshaping one result in place leaves the next one alone
        assert f.get_tensor(keys[3]).shape == ()


def test_close_in_the_middle_of_a_loop_stops_the_fast_path():
    prefix, tensors = expected(CKPT / "v2_large_index.expected.json")
    f = tfmeta.open(prefix)
    keys = f.keys()
    held = [f.get_tensor(k) for k in keys[:100]]
    f.close()
    with pytest.raises(tfmeta.UsageError):
        f.get_tensor(keys[100])  # the next key in order
    with pytest.raises(tfmeta.UsageError):
        f.get_tensor(keys[5000])
    assert [stored(a) for a in held] == [tensors[k][2] for k in keys[:100]]


def many_small(n):
    """{key: array}: n small tensors of three groups (float32[8, 8], float32
    scalars, int64[3]) under keys with 2-, 3- and 4-byte UTF-8 characters."""
    rng = np.random.default_rng(14)
    out = {}
    for i in range(n):
        key = f"модель/блок_{i // 10:03d}/变量_{i % 10}" + ("/😀" if i % 7 == 0 else "")
        if i % 5 == 3:
            out[key] = rng.standard_normal((), dtype=np.float32)
        elif i % 11 == 4:
            out[key] = rng.integers(-2 ** 40, 2 ** 40, 3)
        else:
            out[key] = rng.standard_normal((8, 8), dtype=np.float32)
    return out


def test_many_keys_in_multibyte_utf8_and_several_groups(tmp_path, monkeypatch):
    arrays = many_small(3000)
    prefix = tfmeta.save(arrays, str(tmp_path / "many"))
    tfmeta.open(prefix).close()
    checks = count_calls(monkeypatch, "tfmeta_check_payloads")
    per_key = count_calls(monkeypatch, "tfmeta_tensor_get")
    with tfmeta.open(prefix) as f:
        keys = f.keys()
    assert keys == sorted(arrays, key=lambda k: k.encode())
    assert any(len(k.encode()) > len(k) + 6 for k in keys)
    for name, order in orders(keys):
        checks.clear()
        per_key.clear()
        with tfmeta.open(prefix) as f:
            f.keys()
            got = [f.get_tensor(k) for k in order]
        assert len(checks) == 1, f"{name}: 3,000 small tensors are one bulk check"
        for k, a in zip(order, got):
            assert a.dtype == arrays[k].dtype and a.shape == arrays[k].shape, k
            assert stored(a) == stored(arrays[k]), (name, k)
            if a.dtype == np.float32:  # 4-byte payloads at 4-byte offsets: views
                assert not a.flags.writeable and not a.flags.owndata, (name, k)
        # Only int64 payloads at an offset that is not a multiple of 8 may go
        # through the library (a copy); never a float32 one.
        for c in per_key:
            assert arrays[bytes(c[1]).decode()].dtype == np.int64, name


@pytest.mark.parametrize("order", ["listed", "reversed", "shuffled"])
def test_a_payload_damaged_in_the_middle_of_one_check(tmp_path, monkeypatch, order):
    arrays = many_small(3000)
    prefix = tfmeta.save(arrays, str(tmp_path / "many"))
    keys = sorted(arrays, key=lambda k: k.encode())
    bad = next(k for k in keys[1500:] if arrays[k].shape == (8, 8))
    data = prefix + ".data-00000-of-00001"
    b = bytearray(open(data, "rb").read())
    at = bytes(b).find(arrays[bad].tobytes())
    assert at > 0 and bytes(b).find(arrays[bad].tobytes(), at + 1) < 0
    b[at + 100] ^= 0x20
    open(data, "wb").write(bytes(b))
    message = cli_error("ckpt", "show", prefix, bad)
    tfmeta.open(prefix).close()
    checks = count_calls(monkeypatch, "tfmeta_check_payloads")
    per_key = count_calls(monkeypatch, "tfmeta_tensor_get")
    with tfmeta.open(prefix) as f:
        ask = [k for k in dict(orders(f.keys()))[order]]
        for k in ask:
            if k == bad:
                with pytest.raises(tfmeta.ChecksumError) as e:
                    f.get_tensor(k)
                assert e.value.code == "bad-checksum" and str(e.value) == message
            else:
                assert stored(f.get_tensor(k)) == stored(arrays[k]), k
        with pytest.raises(tfmeta.ChecksumError):  # and again
            f.get_tensor(bad)
        i = keys.index(bad)
        assert stored(f.get_tensor(keys[i - 1])) == stored(arrays[keys[i - 1]])
        assert stored(f.get_tensor(keys[i + 1])) == stored(arrays[keys[i + 1]])
    assert len(checks) == 1
    called = [bytes(c[1]).decode() for c in per_key]
    assert called.count(bad) == 2
    assert all(arrays[k].dtype == np.int64 for k in called if k != bad)


def crc32c(data):
    """CRC-32C (Castagnoli), bitwise: for the few hundred bytes of one block."""
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def varint(buf, at):
    value, shift = 0, 0
    while True:
        b = buf[at]
        at += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, at
        shift += 7


def test_a_repeated_key_is_read_as_the_library_reads_it(tmp_path):
    # A damaged index that lists one key twice: "aaaa1" rewritten to "aaaa0" in
    # its block (CRC made right again). The listing shows both; get_tensor of
    # either key object must give what the library gives for that key (the last
    # entry), not the entry at the object's place in keys().
    arrays = {"aaaa0": np.full((4,), 1.5, np.float32), "aaaa1": np.full((4,), -2.0, np.float32),
              "zz": np.arange(3, dtype=np.int32)}
    prefix = tfmeta.save(arrays, str(tmp_path / "dup"))
    index = bytearray(open(prefix + ".index", "rb").read())
    footer = len(index) - 48
    _, at = varint(index, footer)  # metaindex offset
    _, at = varint(index, at)      # and size
    index_offset, at = varint(index, at)
    _, at = varint(index, at)
    shared, at = varint(index, index_offset)
    length, at = varint(index, at)
    vlength, at = varint(index, at)
    block_offset, value_at = varint(index, at + length)
    block_size, _ = varint(index, value_at)
    block = bytes(index[block_offset:block_offset + block_size])
    entry = block.find(b"\x04\x01")  # shared 4 ("aaaa"), 1 new byte: "1"
    assert entry > 0 and block[entry + 3:entry + 4] == b"1"
    index[block_offset + entry + 3] = ord("0")
    masked = crc32c(bytes(index[block_offset:block_offset + block_size + 1]))
    masked = (((masked >> 15) | (masked << 17)) + 0xA282EAD8) & 0xFFFFFFFF
    index[block_offset + block_size + 1:block_offset + block_size + 5] = masked.to_bytes(4, "little")
    open(prefix + ".index", "wb").write(bytes(index))

    f = tfmeta.open(prefix)
    keys = f.keys()
    assert keys == ["aaaa0", "aaaa0", "zz"] and keys[0] is not keys[1]
    assert tfmeta._lib.lib.tfmeta_columns_distinct(f._handle.pointer) == 0
    library = f._tensor("aaaa0", check_crc=True)
    assert library.tolist() == [-2.0] * 4  # the last entry of the key
    for k in keys[:2]:
        assert f.get_tensor(k).tolist() == library.tolist()
    assert f.get_tensor(keys[2]).tolist() == [0, 1, 2]
    f.close()

    g = tfmeta.open(CKPT / "v2_large_index")
    assert tfmeta._lib.lib.tfmeta_columns_distinct(g._handle.pointer) == 0  # before the listing
    g.keys()
    assert tfmeta._lib.lib.tfmeta_columns_distinct(g._handle.pointer) == 1
