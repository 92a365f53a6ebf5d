"""Crafted Keras 3 files (.weights.h5 and .keras): zip bombs, entries that escape
the archive, datasets whose shapes claim more than the file holds, links out of the
file, data stored in external files, groups nested without end. Each must exit 1
naming the file and the problem, within the suite's memory limits, leaving
nothing behind. (h5py, from the suite's virtual environment, makes the files.)
"""
import struct
import zipfile

import h5py
import numpy as np
import pytest

from conftest import FIXTURES, check_nothing_left, check_outcome, run_tfmeta, snapshot

GOOD_H5 = FIXTURES / "keras" / "small.weights.h5"


def run_case(case_dir, name, words):
    (case_dir / "out").mkdir(exist_ok=True)
    suffix = ".keras" if name.endswith(".keras") else ".weights.h5"
    for args in (["ckpt", "verify", f"in/{name}"], ["ckpt", "list", f"in/{name}"],
                 ["ckpt", "to-keras", f"in/{name}",
                  "--template", f"in/{name}", f"out/o{suffix}"]):
        before = snapshot(case_dir / "in")
        outcome = run_tfmeta(args, cwd=case_dir)
        check_outcome(outcome, damaged=f"in/{name}", must_fail=True)
        text = (outcome.stdout + outcome.stderr).lower()
        for w in words:
            assert w.lower() in text, f"{w!r} not in the message\n{outcome.describe()}"
        check_nothing_left(outcome, inputs_before=before, input_dir=case_dir / "in", output_dir=case_dir / "out")


def h5(case_dir, name, build):
    (case_dir / "in").mkdir(exist_ok=True)
    with h5py.File(case_dir / "in" / name, "w") as f:
        build(f)


def archive(case_dir, name, entries, compression=zipfile.ZIP_STORED):
    (case_dir / "in").mkdir(exist_ok=True)
    with zipfile.ZipFile(case_dir / "in" / name, "w", compression) as z:
        for entry, data in entries:
            z.writestr(entry, data)


def test_dataset_shape_larger_than_the_file(case_dir):
    h5(case_dir, "huge.weights.h5",
       lambda f: f.create_dataset("layers/dense/vars/0", shape=(1 << 30, 1 << 30), dtype="float32"))
    run_case(case_dir, "huge.weights.h5", ["more than the whole file"])


def test_dataset_shape_that_overflows(case_dir):
    h5(case_dir, "overflow.weights.h5",
       lambda f: f.create_dataset("layers/dense/vars/0", shape=(1 << 40, 1 << 40, 1 << 40), dtype="float64",
                                  chunks=(1, 1, 1)))
    run_case(case_dir, "overflow.weights.h5", ["overflow.weights.h5"])


def test_external_link_is_refused(case_dir):
    def build(f):
        f.create_dataset("layers/dense/vars/0", data=np.ones(3, np.float32))
        f["layers/dense/vars/1"] = h5py.ExternalLink("/etc/passwd", "/x")
    h5(case_dir, "link.weights.h5", build)
    run_case(case_dir, "link.weights.h5", ["external link"])


def test_external_storage_is_refused(case_dir):
    def build(f):
        f.create_dataset("layers/dense/vars/0", shape=(4,), dtype="float32", external=[("/etc/passwd", 0, 16)])
    h5(case_dir, "external.weights.h5", build)
    run_case(case_dir, "external.weights.h5", ["external files"])


def test_groups_nested_without_end(case_dir):
    def build(f):
        g = f
        for i in range(200):
            g = g.create_group("g")
        g.create_dataset("vars/0", data=np.ones(2, np.float32))
    h5(case_dir, "deep.weights.h5", build)
    run_case(case_dir, "deep.weights.h5", ["deeper than"])


def test_compressed_dataset_beyond_the_cap(case_dir):
    h5(case_dir, "gzip.weights.h5",
       lambda f: f.create_dataset("layers/dense/vars/0", data=np.zeros((1 << 25,), np.float32), compression="gzip",
                                  chunks=(1 << 20,)))
    run_case(case_dir, "gzip.weights.h5", ["larger than"])


def test_zip_bomb(case_dir):
    archive(case_dir, "bomb.keras", [("config.json", "{}"), ("model.weights.h5", b"\0" * (200 << 20))],
            zipfile.ZIP_DEFLATED)
    run_case(case_dir, "bomb.keras", ["zip bomb"])


@pytest.mark.parametrize("entry", ["../../evil.json", "/etc/evil.json", "a/../../b", "a\\..\\b"])
def test_path_escaping_entry(entry, case_dir):
    archive(case_dir, "escape.keras", [(entry, "{}"), ("model.weights.h5", GOOD_H5.read_bytes())])
    run_case(case_dir, "escape.keras", ["outside the archive"])


def test_archive_without_weights(case_dir):
    archive(case_dir, "empty.keras", [("config.json", "{}"), ("metadata.json", "{}")])
    run_case(case_dir, "empty.keras", ["no model.weights.h5"])


def test_archive_whose_weights_are_not_hdf5(case_dir):
    archive(case_dir, "junk.keras", [("config.json", "{}"), ("model.weights.h5", b"not hdf5 at all" * 100)])
    run_case(case_dir, "junk.keras", ["not an hdf5 file"])


def test_weights_file_that_is_not_hdf5(case_dir):
    (case_dir / "in").mkdir()
    (case_dir / "in" / "text.weights.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\xff" * 4000)
    run_case(case_dir, "text.weights.h5", ["hdf5"])


def test_two_bytes_that_send_libhdf5_into_a_loop(case_dir):
    """Found by the keras fuzzer: libhdf5 loops on this file. The contained reader is
    stopped at its CPU limit (5 s for a small file) and the command fails naming it."""
    data = bytearray(GOOD_H5.read_bytes())
    data[2121], data[6573] = 0o7, 0o20
    (case_dir / "in").mkdir()
    (case_dir / "in" / "loop.weights.h5").write_bytes(bytes(data))
    run_case(case_dir, "loop.weights.h5", ["hdf5"])


def global_heap_objects(data):
    """(offset, index, size) of each object in the file's one global heap collection
    (the variable-length strings of the groups' `name` attributes)."""
    at = data.find(b"GCOL")
    assert at > 0 and data.find(b"GCOL", at + 1) < 0, "the fixture should hold one global heap collection"
    objects, p = [], at + 16
    while True:
        index, size = struct.unpack_from("<H", data, p)[0], struct.unpack_from("<Q", data, p + 8)[0]
        objects.append((p, index, size))
        if index == 0:
            return objects
        p += 16 + ((size + 7) & ~7)


def crafted_global_heap(case_dir, name, change):
    data = bytearray(GOOD_H5.read_bytes())
    change(data, global_heap_objects(bytes(data)))
    (case_dir / "in").mkdir()
    (case_dir / "in" / name).write_bytes(bytes(data))


def test_global_heap_object_larger_than_its_collection(case_dir):
    """Found by the keras fuzzer: libhdf5 1.10.8 (Debian's) copies a variable-length
    string attribute's object from past the end of its global heap collection (an
    overlapping `memcpy` in H5HG_read). Our own check of the collection refuses it
    before libhdf5 reads it, with any libhdf5."""
    def change(data, objects):
        p, index, _ = objects[0]
        assert index == 1
        data[p + 8:p + 16] = struct.pack("<Q", 1 << 20)
    crafted_global_heap(case_dir, "heap.weights.h5", change)
    run_case(case_dir, "heap.weights.h5", ["heap.weights.h5", "object 1 of the global heap collection",
                                            "1048576 bytes"])


def test_global_heap_free_space_of_zero_bytes(case_dir):
    """A free-space object of size 0 makes libhdf5's parser of the collection loop
    forever (1.10.8 and 1.14.6): refused before libhdf5 parses it."""
    def change(data, objects):
        p, index, _ = objects[-1]
        assert index == 0
        data[p + 8:p + 16] = struct.pack("<Q", 0)
    crafted_global_heap(case_dir, "free.weights.h5", change)
    run_case(case_dir, "free.weights.h5", ["free.weights.h5", "free space of 0 bytes"])


def test_global_heap_collection_smaller_than_its_header(case_dir):
    def change(data, objects):
        at = data.find(b"GCOL")
        data[at + 8:at + 16] = struct.pack("<Q", 16)
    crafted_global_heap(case_dir, "small.weights.h5", change)
    run_case(case_dir, "small.weights.h5", ["small.weights.h5", "claims 16 bytes"])


def crafted_heap_id(case_dir, name, change):
    """The fixture with the heap id of the first group's `name` string ("small":
    length 5, the collection's address, index 1) changed."""
    data = bytearray(GOOD_H5.read_bytes())
    at = data.find(b"GCOL")
    heap_id = struct.pack("<IQI", 5, at, 1)
    k = data.find(heap_id)
    assert k > 0 and data.find(heap_id, k + 1) < 0
    data[k:k + 16] = change(heap_id)
    (case_dir / "in").mkdir()
    (case_dir / "in" / name).write_bytes(bytes(data))


def test_string_naming_no_object_of_its_heap(case_dir):
    """A string whose heap index names no object of its collection: libhdf5 1.10.8
    reads past its table of objects (a segfault), 1.14 refuses it. Our own reading
    of the attribute refuses it first, naming the object and the attribute."""
    crafted_heap_id(case_dir, "index.weights.h5", lambda h: h[:12] + struct.pack("<I", 60000))
    run_case(case_dir, "index.weights.h5", ["index.weights.h5", 'attribute "name" names object 60000',
                                             "holds no such object"])


def test_string_longer_than_its_heap_object(case_dir):
    crafted_heap_id(case_dir, "length.weights.h5", lambda h: struct.pack("<I", 4000) + h[4:])
    run_case(case_dir, "length.weights.h5", ["length.weights.h5", "claims 4000 bytes",
                                              "global heap object holds 5"])


def test_string_whose_heap_is_elsewhere(case_dir):
    crafted_heap_id(case_dir, "nowhere.weights.h5", lambda h: h[:4] + struct.pack("<Q", 64) + h[12:])
    run_case(case_dir, "nowhere.weights.h5", ["nowhere.weights.h5", "where there is none"])


def test_local_heap_whose_size_wraps(case_dir):
    """Found by the keras fuzzer (18 inputs): a group's local heap claiming 2^64 - 168
    bytes of names. libhdf5 1.10.8 adds it to the heap's prefix and asks realloc for
    2^64 - 136 bytes (refused by glibc; fatal under AddressSanitizer). Refused before
    libhdf5 opens the file."""
    data = bytearray(GOOD_H5.read_bytes())
    at = data.find(b"HEAP\0")
    assert at > 0
    data[at + 8:at + 16] = struct.pack("<Q", (1 << 64) - 168)
    (case_dir / "in").mkdir()
    (case_dir / "in" / "names.weights.h5").write_bytes(bytes(data))
    run_case(case_dir, "names.weights.h5", ["names.weights.h5", "local heap at offset", "past the end of the file"])


def test_header_continuation_past_the_file(case_dir):
    """Found by the keras fuzzer's last run (9 inputs, this one kept as a regression
    input): an object header continues at an offset past the end of the file, and
    libhdf5 1.10.8 asks malloc for the chunk at the file's size for it (2^50 bytes).
    Every object header is checked before H5Oopen."""
    source = FIXTURES.parent / "Tests" / "MetaGraphKitTests" / "Fuzz" / "Inputs" / "keras" / \
        "header-continuation-past-the-file.weights.h5"
    (case_dir / "in").mkdir()
    (case_dir / "in" / "chunk.weights.h5").write_bytes(source.read_bytes())
    run_case(case_dir, "chunk.weights.h5", ["chunk.weights.h5", "layers/conv2d/vars", "past the end of the file"])


def test_string_of_huge_characters(case_dir):
    """Found by the keras fuzzer's last run (25 inputs, this one kept as a regression
    input): a group's `name` string declares characters of 4,294,901,761 bytes, and
    libhdf5 1.10.8 sizes its conversion buffer by length times that (52 GB)."""
    source = FIXTURES.parent / "Tests" / "MetaGraphKitTests" / "Fuzz" / "Inputs" / "keras" / \
        "string-of-huge-characters.weights.h5"
    (case_dir / "in").mkdir()
    (case_dir / "in" / "chars.weights.h5").write_bytes(source.read_bytes())
    # Other bytes of this input are damaged too: libhdf5 1.14 stops at one of them
    # first ("damaged object …"), 1.10.8 reaches the string and our check refuses it.
    outcome = run_tfmeta(["ckpt", "list", "in/chars.weights.h5"], cwd=case_dir)
    check_outcome(outcome, damaged="in/chars.weights.h5", must_fail=True)
    assert "chars.weights.h5" in outcome.stderr, outcome.describe()
    assert "-byte characters" in outcome.stderr or "damaged object" in outcome.stderr, outcome.describe()
