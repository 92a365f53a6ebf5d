"""Every fixture file that some tfmeta command reads, with the commands that read it
whole and write from it, and the byte ranges whose damage is certain to be seen.

``inputs()`` walks Fixtures/ so that a new fixture file is covered (or must be
listed in NOT_INPUTS with the reason) without editing this file.
"""
import re
from dataclasses import dataclass, field
from pathlib import Path

import formats
from conftest import FIXTURES

# Fixture files no command takes as input, and why.
NOT_INPUTS = {
    "README.md": "documentation (any folder)",
    "generate.py": "the generator",
    "saved_model/fingerprint.pb": "FingerprintDef: no tfmeta command reads it",
    "state/absolute/generated_in.json": "notes where the fixture was generated",
}

# Graphs without a SaverDef: `meta saver` rightly fails on them intact, so it would
# prove nothing about damage.
NO_SAVER = {"meta/function_library.meta", "meta/while_loop.meta"}

SHARD = re.compile(r"^(?P<base>.+)-(?P<n>\d{5})-of-(?P<total>\d{5})$")
DATA = re.compile(r"^(?P<prefix>.+)\.data-(?P<n>\d{5})-of-(?P<total>\d{5})$")


@dataclass
class Input:
    target: str  # the damaged file, relative to Fixtures/
    kind: str  # v2-index, v2-data, v1, meta, pbtxt, saved-model, state, keras, npz
    files: list  # fixture files copied into the case's in/ directory
    readers: list  # argument lists; in/ and out/ are relative to the case directory
    writers: list
    checked: list = field(default_factory=list)  # (start, end): damage here must be detected
    must_fail_below: int = 0  # truncating below this must be detected
    truncate_at: list = field(default_factory=list)  # structural edges to cut at
    flip_at: list = field(default_factory=list)  # structural bytes to flip

    @property
    def name(self):
        return Path(self.target).name

    @property
    def damaged(self):
        return f"in/{self.name}"


def _is_table(path):
    data = path.read_bytes()
    return len(data) >= formats.FOOTER and data[-8:] == formats.MAGIC


def _sample(values, limit):
    """At most `limit` of the sorted values, spread evenly, ends included."""
    values = sorted(set(values))
    if len(values) <= limit:
        return values
    return sorted({values[round(i * (len(values) - 1) / (limit - 1))] for i in range(limit)})


def _table_structure(data):
    """Checked ranges, cut points and flip points of a table file."""
    t = formats.Table(data)
    blocks = t.all_blocks()
    # Keep the first and last data blocks and the two meta blocks: a 340 KB index
    # has hundreds of blocks, all alike.
    chosen = blocks if len(blocks) <= 6 else blocks[:3] + blocks[-3:]
    cuts, flips = [], []
    for h in chosen:
        trailer = h.offset + h.size
        cuts += [h.offset, h.offset + 1, trailer, trailer + 1, trailer + formats.TRAILER]
        flips += [h.offset, trailer, trailer + 2]  # first byte, compression type, CRC
        if h.size >= 4:
            flips.append(trailer - 1)  # the restart count's high byte
    cuts += [t.footer_start, t.footer_start + 1, t.footer_handles_end, len(data) - 8, len(data) - 1]
    flips += [t.footer_start, t.footer_handles_end - 1, len(data) - 8, len(data) - 1]
    if t.footer_handles_end < t.footer_start + 40:
        flips.append(t.footer_start + 39)  # padding: unchecked by TensorFlow and by us
    return t, t.checked_ranges(), cuts, flips


def _v2_commands(arg):
    return ([["ckpt", "verify", arg]],
            [["ckpt", "migrate", arg, "out/m"], ["ckpt", "export", arg, "out/e.npz"]])


def _bundle_data_ranges(index_path, shard):
    """(offset, end) of every payload the index places in data file `shard`."""
    t = formats.Table(index_path.read_bytes())
    ranges = []
    for key, value in t.entries():
        if not key:
            continue
        e = formats.bundle_entry(value)
        if e["shard"] == shard and e["size"] > 0:
            ranges.append((e["offset"], e["offset"] + e["size"]))
    return ranges


def _zip_entry_ranges(path):
    """(start, end) of every entry's stored bytes in a zip archive."""
    import struct
    import zipfile
    data = path.read_bytes()
    ranges = []
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            o = info.header_offset
            name_len, extra_len = struct.unpack("<HH", data[o + 26:o + 30])
            start = o + 30 + name_len + extra_len
            if info.compress_size > 0:
                ranges.append((start, start + info.compress_size))
    return ranges


def inputs():
    """One Input per fixture file that a command reads."""
    out = []
    for path in sorted(FIXTURES.rglob("*")):
        if not path.is_file():
            continue
        rel = str(path.relative_to(FIXTURES))
        name = path.name
        folder = path.parent
        if rel in NOT_INPUTS or name in NOT_INPUTS or name.endswith(".json"):
            continue
        siblings = lambda pred: [str(p.relative_to(FIXTURES)) for p in sorted(folder.iterdir()) if pred(p.name)]
        data = path.read_bytes()
        if name.endswith(".index"):
            prefix = name[:-len(".index")]
            files = siblings(lambda n: n == name or n.startswith(prefix + ".data-"))
            readers, writers = _v2_commands(f"in/{prefix}")
            t, checked, cuts, flips = _table_structure(data)
            out.append(Input(rel, "v2-index", files, readers, writers, checked, len(data), cuts, flips))
        elif DATA.match(name):
            m = DATA.match(name)
            prefix = m["prefix"]
            files = siblings(lambda n: n == prefix + ".index" or n.startswith(prefix + ".data-"))
            readers, writers = _v2_commands(f"in/{prefix}")
            ranges = _bundle_data_ranges(folder / (prefix + ".index"), int(m["n"]))
            edges = [e for r in ranges for e in r]
            end = max((e for _, e in ranges), default=0)
            out.append(Input(rel, "v2-data", files, readers, writers, ranges, end,
                             _sample(edges, 10), _sample([s for s, _ in ranges], 6)))
        elif name == "checkpoint":
            files = [str(p.relative_to(FIXTURES)) for p in sorted(folder.iterdir()) if p.is_file()]
            out.append(Input(rel, "state", files,
                             [["state", "show", "in"], ["state", "latest", "in"]],
                             [["state", "rebase", "in"], ["ckpt", "migrate", "in", "out/d"],
                              ["state", "prune", "in", "--keep", "1", "--dry-run"]]))
        elif name.endswith(".meta"):
            readers = [["meta", "inspect", f"in/{name}"], ["meta", "variables", f"in/{name}"]]
            if rel not in NO_SAVER:
                readers.append(["meta", "saver", f"in/{name}"])
            out.append(Input(rel, "meta", [rel], readers,
                             [["meta", "convert", f"in/{name}", "out/c.pbtxt"]],
                             must_fail_below=0, truncate_at=_sample(formats.field_boundaries(data), 8)))
        elif name.endswith(".pbtxt"):
            out.append(Input(rel, "pbtxt", [rel],
                             [["meta", "inspect", f"in/{name}"], ["meta", "variables", f"in/{name}"]],
                             [["meta", "convert", f"in/{name}", "out/c.meta"]]))
        elif name == "saved_model.pb":
            out.append(Input(rel, "saved-model", [rel],
                             [["meta", "inspect", f"in/{name}"]],
                             [["meta", "extract", f"in/{name}", "--tags", "serve", "out/x.meta"]],
                             truncate_at=_sample(formats.field_boundaries(data), 8)))
        elif name.endswith(".weights.h5") or name.endswith(".keras"):
            # Keras 3 files. HDF5 keeps no checksum over element bytes, so only
            # cuts (libhdf5 compares the superblock's end-of-file address) are certain
            # to be seen; in a .keras every entry's bytes are under its zip CRC-32,
            # and every entry is read whole.
            suffix = ".keras" if name.endswith(".keras") else ".weights.h5"
            checked = _zip_entry_ranges(path) if suffix == ".keras" else []
            out.append(Input(rel, "keras", [rel],
                             [["ckpt", "verify", f"in/{name}"], ["ckpt", "list", "--json", f"in/{name}"]],
                             [["ckpt", "export", f"in/{name}", "out/e.npz"],
                              ["ckpt", "to-keras", f"in/{name}", "--template", f"in/{name}", f"out/o{suffix}"]],
                             checked, len(data)))
        elif name.endswith(".npz"):
            # numpy's zip: a cut always loses the end-of-directory record; every
            # member's stored (or deflated) bytes are under its CRC-32, and the
            # readers inflate and check every member.
            out.append(Input(rel, "npz", [rel],
                             [["ckpt", "verify", f"in/{name}"], ["ckpt", "stats", f"in/{name}"]],
                             [["ckpt", "import", f"in/{name}", "out/m"], ["ckpt", "export", f"in/{name}", "out/e.safetensors"]],
                             _zip_entry_ranges(path), len(data)))
        elif _is_table(path):
            m = SHARD.match(name)
            if m:
                files = siblings(lambda n: SHARD.match(n) and SHARD.match(n)["base"] == m["base"])
                arg = f"in/{m['base']}-?????-of-{m['total']}"
            else:
                files, arg = [rel], f"in/{name}"
            readers, writers = _v2_commands(arg)
            t, checked, cuts, flips = _table_structure(data)
            out.append(Input(rel, "v1", files, readers, writers, checked, len(data), cuts, flips))
        else:
            raise AssertionError(f"Fixtures/{rel}: not classified; add it to catalogue.py or NOT_INPUTS")
    return out
