"""Every fixture file, damaged: cut at many points, bytes flipped, runs zeroed,
junk appended. Each damaged copy is read by a command that reads the file whole
(and, for every cut and every third other case, by a command that writes from
it), in a fresh directory.

Where the damage is certain to be detectable the case must exit 1:
* checkpoint tables (V2 .index, V1 files): every byte of every block and its
  trailer is under a CRC32C, the footer's handles locate the blocks, the magic
  is compared. Only the footer's padding (between the handles and the magic)
  is read by nobody, TensorFlow included, so damage there may pass;
* V2 data files: every payload an index entry points at is under its entry's
  CRC32C; bytes no entry covers are read by nobody (none in these fixtures);
* zip archives (.keras, .npz, deflated members included): a cut loses the
  end-of-directory record; every member's bytes are under its CRC-32;
* binary .meta and saved_model.pb have no checksum, but a cut inside a
  top-level field always breaks the protobuf; a cut on a field boundary or a
  changed byte may still be a valid message, so exit 0 is allowed there.
Text files (.pbtxt, state files) may stay valid after a cut or a change.
"""
import pytest

import catalogue
from conftest import check_nothing_left, check_outcome, copy_fixture_files, run_tfmeta, sampled, snapshot
import formats

INPUTS = catalogue.inputs()
MASKS = (0x01, 0x80, 0xFF, 0x10)


def _spread(n, count, lo=0):
    if n <= lo:
        return []
    return sorted({lo + (i * (n - 1 - lo)) // max(count - 1, 1) for i in range(count)})


def mutations(inp):
    """(id, kind, argument) for one input: deterministic, about 34 per file; 12 for
    the checkpoints and graphs under state/, which repeat the formats of ckpt/ and
    meta/ (their state files get the full set)."""
    n = (catalogue.FIXTURES / inp.target).stat().st_size
    light = inp.target.startswith("state/") and inp.kind != "state"
    cuts = {0, 1, n // 2, n - 1} | set(inp.truncate_at) | set(_spread(n, 6))
    cuts = catalogue._sample([c for c in cuts if 0 <= c < n], 5 if light else 15)
    out = [(f"cut{c}", "cut", c) for c in cuts]
    flips = catalogue._sample(set(_spread(n, 8)) | set(p for p in inp.flip_at if 0 <= p < n), 5 if light else 14)
    out += [(f"flip{p}x{MASKS[i % 4]:02x}", "flip", (p, MASKS[i % 4])) for i, p in enumerate(flips)]
    data = (catalogue.FIXTURES / inp.target).read_bytes()
    # A run that is zero already would change nothing (HDF5 files have many).
    out += [(f"zero16at{p}", "zero", p) for p in _spread(max(n - 16, 1), 1 if light else 4) if any(data[p:p + 16])]
    out.append(("append-junk", "append", b"hostile junk\x00\xff"))
    return out


def apply(data, kind, arg):
    if kind == "cut":
        return data[:arg]
    if kind == "flip":
        p, m = arg
        return data[:p] + bytes([data[p] ^ m]) + data[p + 1:]
    if kind == "zero":
        return data[:arg] + bytes(min(16, len(data) - arg)) + data[arg + 16:]
    if kind == "append":
        return data + arg
    raise ValueError(kind)


def must_detect(inp, original, damaged, kind, arg):
    """Whether this damage is certain to be detected by a full read (see the docstring)."""
    if inp.kind in ("v2-index", "v1", "v2-data"):
        if len(damaged) < inp.must_fail_below:
            return True
        changed = [i for i in range(min(len(original), len(damaged))) if original[i] != damaged[i]]
        if inp.kind != "v2-data" and len(damaged) == len(original) and _same_footer(original, damaged):
            # A change inside the footer that decodes to the same handles (a varint
            # continuation bit into the zero padding: 0x8f 0x00 is 15 like 0x0f).
            changed = [i for i in changed if i < len(original) - formats.FOOTER]
        if any(start <= i < end for i in changed for start, end in inp.checked):
            return True
        # Junk after a table's magic moves the footer; after a data file's last
        # payload, nobody reads it.
        return kind == "append" and inp.kind != "v2-data"
    if inp.kind in ("keras", "npz"):
        # A cut always (HDF5's end-of-file address, the zip directory); a change
        # only inside a .keras or .npz entry's bytes (its CRC-32).
        if len(damaged) < inp.must_fail_below:
            return True
        changed = [i for i in range(min(len(original), len(damaged))) if original[i] != damaged[i]]
        return any(start <= i < end for i in changed for start, end in inp.checked)
    if inp.kind in ("meta", "saved-model") and kind == "cut":
        # Whitespace alone (the cut kept only a leading 0x0a, a newline) is an
        # empty text-format message: valid.
        return arg not in formats.field_boundaries(original) and damaged.strip() != b""
    return False


def _same_footer(a, b):
    try:
        return formats.footer_handles(a) == formats.footer_handles(b)
    except ValueError:
        return False


CASES = []
for inp in INPUTS:
    for i, (mid, kind, arg) in enumerate(mutations(inp)):
        if sampled(i):
            CASES.append(pytest.param(inp, kind, arg, i, id=f"{inp.target}:{mid}"))


@pytest.mark.parametrize("inp,kind,arg,i", CASES)
def test_damaged_fixture(inp, kind, arg, i, case_dir):
    tmp_path = case_dir
    original = (catalogue.FIXTURES / inp.target).read_bytes()
    damaged = apply(original, kind, arg)
    assert damaged != original
    copy_fixture_files(inp.files, tmp_path / "in")
    (tmp_path / "in" / inp.name).write_bytes(damaged)
    (tmp_path / "out").mkdir()
    must_fail = must_detect(inp, original, damaged, kind, arg)

    commands = [inp.readers[i % len(inp.readers)]]
    if kind == "cut" and i % 2 == 0 or i % 3 == 0:
        commands.append(inp.writers[(i // 3) % len(inp.writers)])
    for args in commands:
        before = snapshot(tmp_path / "in")
        outcome = run_tfmeta(args, cwd=tmp_path)
        # A reader must see checked damage; a writer may legitimately not read the
        # damaged part (migrate reads no metaindex block), so it may succeed.
        is_reader = args in inp.readers
        check_outcome(outcome, damaged=inp.damaged, must_fail=must_fail and is_reader,
                      readable=inp.kind in ("v2-index", "v2-data", "v1"))
        if args[:2] == ["state", "rebase"] and outcome.status == 0:
            before[inp.name] = snapshot(tmp_path / "in").get(inp.name)  # its job
        check_nothing_left(outcome, inputs_before=before, input_dir=tmp_path / "in", output_dir=tmp_path / "out")
        if outcome.status == 0 and not is_reader:
            # A completed write: clear it for the next command.
            for p in sorted((tmp_path / "out").rglob("*"), reverse=True):
                p.rmdir() if p.is_dir() else p.unlink()


# Intact copies must pass every command used above: otherwise a case could "detect"
# damage that is really a wrong argument or a missing file in the copy.
INTACT_FAILS = {
    # Its stored paths are absolute paths of the machine that generated it.
    ("state/absolute/checkpoint", "state latest"): "names checkpoint",
    ("state/absolute/checkpoint", "state show"): "names checkpoint",
}


@pytest.mark.parametrize("inp", INPUTS, ids=[i.target for i in INPUTS])
def test_intact_fixture(inp, case_dir):
    copy_fixture_files(inp.files, case_dir / "in")
    (case_dir / "out").mkdir()
    for args in inp.readers + inp.writers:
        before = snapshot(case_dir / "in")
        outcome = run_tfmeta(args, cwd=case_dir)
        expected_error = INTACT_FAILS.get((inp.target, " ".join(args[:2])))
        if expected_error:
            check_outcome(outcome, damaged=inp.damaged, must_fail=True)
            assert expected_error in outcome.stderr, outcome.describe()
            continue
        check_outcome(outcome, damaged=inp.damaged, allowed=(0,))
        if args[:2] == ["state", "rebase"]:
            before[inp.name] = snapshot(case_dir / "in").get(inp.name)
        check_nothing_left(outcome, inputs_before=before, input_dir=case_dir / "in")
        for p in sorted((case_dir / "out").rglob("*"), reverse=True):
            p.rmdir() if p.is_dir() else p.unlink()
