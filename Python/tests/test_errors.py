"""Errors: Python exceptions with the CLI's messages, by code; and the damaged
copies of every checkpoint fixture from Tests/Hostile read through the Python
API, in a child interpreter that must never die."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tfmeta
from _support import CKPT, ROOT

TFMETA = os.environ.get("TFMETA_CLI", "tfmeta")


def cli_error(*args):
    p = subprocess.run([TFMETA, *map(str, args)], capture_output=True, text=True)
    assert p.returncode == 1, p
    assert p.stderr.startswith("Error: ")
    return p.stderr[len("Error: "):].rstrip("\n")


def test_not_found_has_the_cli_message(tmp_path):
    with pytest.raises(tfmeta.NotFoundError) as e:
        tfmeta.open(tmp_path / "nope")
    assert e.value.code == "not-found" and isinstance(e.value, LookupError)
    assert str(e.value) == cli_error("ckpt", "list", tmp_path / "nope")
    with pytest.raises(tfmeta.NotFoundError) as e:
        tfmeta.open(CKPT / "v2_dtypes").get_tensor("no/such")
    assert str(e.value) == cli_error("ckpt", "show", CKPT / "v2_dtypes", "no/such")
    with pytest.raises(tfmeta.NotFoundError):
        tfmeta.open(CKPT / "v2_dtypes").get_slice("no/such")


def test_checksum_error_and_verify(tmp_path):
    for name in ("v2_dtypes.index", "v2_dtypes.data-00000-of-00001"):
        (tmp_path / name).write_bytes((CKPT / name).read_bytes())
    data = tmp_path / "v2_dtypes.data-00000-of-00001"
    b = bytearray(data.read_bytes())
    f = tfmeta.open(tmp_path / "v2_dtypes")
    key = "float64/matrix"
    offset = bytes(f.get_tensor(key).tobytes())
    at = bytes(b).find(offset)
    assert at >= 0
    b[at] ^= 0xFF
    data.write_bytes(bytes(b))
    f = tfmeta.open(tmp_path / "v2_dtypes")
    with pytest.raises(tfmeta.ChecksumError) as e:
        f.get_tensor(key)
    assert e.value.code == "bad-checksum" and isinstance(e.value, tfmeta.CorruptError)
    assert str(e.value) == cli_error("ckpt", "show", tmp_path / "v2_dtypes", key)
    with pytest.raises(tfmeta.ChecksumError) as e:
        f.verify()
    assert len(e.value.problems) >= 1 and key in str(e.value)


def test_corrupt_index(tmp_path):
    (tmp_path / "x.index").write_bytes(b"not a table at all, but long enough to have a footer" * 2)
    with pytest.raises(tfmeta.CorruptError) as e:
        tfmeta.open(tmp_path / "x")
    assert str(e.value) == cli_error("ckpt", "list", tmp_path / "x")
    assert e.value.file


def test_closed_reader_and_bad_framework():
    f = tfmeta.open(CKPT / "v2_dtypes")
    f.close()
    with pytest.raises(tfmeta.UsageError):
        f.get_tensor("float32/matrix")
    with pytest.raises(tfmeta.UsageError):
        tfmeta.open(CKPT / "v2_dtypes", framework="pt")


# MARK: - The hostile suite's damaged fixtures, through the Python API

CHILD = r"""
import json, sys
import tfmeta
for line in sys.stdin:
    case = json.loads(line)
    print(json.dumps({"id": case["id"], "started": True}), flush=True)
    outcome = {"id": case["id"], "status": "ok"}
    try:
        with tfmeta.open(case["path"]) as f:
            for k in f.keys():
                try:
                    f.get_tensor(k)
                except tfmeta.Error as e:
                    if e.code != "unsupported":
                        raise
            f.verify()
    except tfmeta.Error as e:
        outcome = {"id": case["id"], "status": "error", "code": e.code, "message": str(e)}
    print(json.dumps(outcome), flush=True)
"""


def _damaged_cases(root):
    sys.path.insert(0, str(ROOT / "Tests" / "Hostile"))
    try:
        import catalogue
        import test_damaged_fixtures as damaged
    finally:
        sys.path.pop(0)
    cases = []
    for inp in catalogue.inputs():
        if inp.kind not in ("v2-index", "v2-data", "v1"):
            continue
        original = (catalogue.FIXTURES / inp.target).read_bytes()
        for mid, kind, arg in damaged.mutations(inp):
            d = root / f"{inp.target.replace('/', '_')}-{mid}"
            d.mkdir()
            for f in inp.files:
                (d / Path(f).name).write_bytes((catalogue.FIXTURES / f).read_bytes())
            bad = damaged.apply(original, kind, arg)
            (d / inp.name).write_bytes(bad)
            path = str(d / inp.readers[0][2][len("in/"):])
            cases.append({"id": d.name, "path": path,
                          "must_fail": damaged.must_detect(inp, original, bad, kind, arg)})
    return cases


def test_damaged_checkpoints_raise_and_never_kill_the_interpreter(tmp_path):
    cases = _damaged_cases(tmp_path)
    assert len(cases) > 300
    p = subprocess.run([sys.executable, "-c", CHILD], input="".join(json.dumps(c) + "\n" for c in cases),
                       capture_output=True, text=True, timeout=600)
    lines = [json.loads(x) for x in p.stdout.splitlines()]
    results = {x["id"]: x for x in lines if "status" in x}
    started = [x["id"] for x in lines if "started" in x]
    assert p.returncode == 0, f"the interpreter died ({p.returncode}) on case {started[-1] if started else None}:\n{p.stderr[-3000:]}"
    assert len(results) == len(cases)
    missed = [c["id"] for c in cases if c["must_fail"] and results[c["id"]]["status"] != "error"]
    assert not missed, f"damage not detected through the Python API: {missed}"
    for c in cases:
        r = results[c["id"]]
        if r["status"] == "error":
            # The message names a file of the case, like the CLI's.
            assert str(tmp_path) in r["message"] or c["id"] in r["message"], r
    errors = sum(1 for r in results.values() if r["status"] == "error")
    print(f"{len(cases)} damaged checkpoints, {errors} raised tfmeta.Error, none crashed")
