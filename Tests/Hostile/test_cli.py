"""One CLI: `--version`, errors as JSON under `--json` (same exit status), progress
with rate and ETA on a terminal, `--quiet`, and long per-key reports summarised on
a terminal (`--all` lists them). No TensorFlow needed."""
import json
import os
import pty
import re
import select
import shutil
import subprocess

import pytest

from conftest import FIXTURES, ROOT, TFMETA, run_tfmeta


def run_on_terminal(args, cwd, stream):
    """Runs tfmeta with `stream` ("stdout" or "stderr") on a pseudo-terminal; returns
    (status, what the terminal got, the other stream)."""
    master, slave = pty.openpty()
    kwargs = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    kwargs[stream] = slave
    p = subprocess.Popen([TFMETA] + [str(a) for a in args], cwd=cwd, **kwargs)
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:   # EIO: the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    other = (p.stderr if stream == "stdout" else p.stdout).read()
    status = p.wait(timeout=60)
    os.close(master)
    return status, seen.decode(), other.decode()


def test_version_comes_from_the_library():
    source = (ROOT / "Sources" / "MetaGraphKit" / "IO" / "ErrorReport.swift").read_text()
    version = re.search(r'public static let current = "([0-9.]+)"', source).group(1)
    p = subprocess.run([TFMETA, "--version"], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout == version + "\n" and p.stderr == ""


# Every failing report command under --json: a JSON error on stdout, nothing on stderr.
FAILING = [
    (["ckpt", "list", "nothing"], 1, "not-found", "nothing"),
    (["ckpt", "show", "in/v2", "no/such/key"], 1, "not-found", "in/v2"),
    (["ckpt", "verify", "in/g.meta"], 1, "invalid-argument", "in/g.meta"),
    (["ckpt", "migrate", "in/v2", "in/v2"], 1, "invalid-argument", "in/v2"),
    (["meta", "inspect", "in/v2"], 1, "invalid-argument", "in/v2"),
    (["meta", "variables", "in/empty.meta"], 1, "truncated", "in/empty.meta"),
    (["state", "show", "in"], 1, "not-found", "in/checkpoint"),
    (["meta", "inspect", "in/bad.pbtxt"], 1, "unknown-name", "in/bad.pbtxt"),   # "FILE:LINE:COL: …"
    (["ckpt", "list"], 2, "usage", None),
]


@pytest.mark.parametrize("args,status,code,file", FAILING, ids=[" ".join(f[0]) for f in FAILING])
def test_errors_are_json_under_json(args, status, code, file, case_dir):
    (case_dir / "in").mkdir()
    for suffix in (".index", ".data-00000-of-00001"):
        shutil.copy(str(FIXTURES / "ckpt" / "v2_partitioned") + suffix, case_dir / "in" / ("v2" + suffix))
    shutil.copy(FIXTURES / "meta" / "train_graph.meta", case_dir / "in" / "g.meta")
    (case_dir / "in" / "empty.meta").write_bytes(b"")
    (case_dir / "in" / "bad.pbtxt").write_text("meta_info_def { bogus: 1 }\n")
    plain = run_tfmeta(args, cwd=case_dir)
    outcome = run_tfmeta(args + ["--json"], cwd=case_dir)
    assert plain.status == status and outcome.status == status, outcome.describe()
    assert outcome.stderr == "", outcome.describe()
    error = json.loads(outcome.stdout)["error"]
    assert list(error) == ["code", "message", "file"]
    assert error["code"] == code and error["file"] == file, error
    if status == 1:
        assert plain.stderr == "Error: " + error["message"] + "\n"


@pytest.mark.parametrize("command", ["migrate", "export"])
def test_progress_shows_rate_and_eta_on_a_terminal(command, tmp_path):
    out = tmp_path / ("out" if command == "migrate" else "out.safetensors")
    status, terminal, stdout = run_on_terminal(
        ["ckpt", command, FIXTURES / "ckpt" / "v2_dtypes", out, "--quiet" if command == "export" else "--json"],
        tmp_path, "stderr")
    assert status == 0, terminal
    line = re.search(r"\r\x1b\[K(\d+)/(\d+) tensors, \d+ MiB, \d+ MiB/s, ETA \d+ s", terminal)
    assert line, repr(terminal)
    assert int(line.group(1)) < int(line.group(2))
    assert terminal.endswith("\r\x1b[K")   # the line is cleared at the end
    # Not a terminal: no progress at all.
    piped = run_tfmeta(["ckpt", command, FIXTURES / "ckpt" / "v2_dtypes", tmp_path / ("piped" + out.suffix), "--quiet" if command == "export" else "--json"],
                       cwd=tmp_path)
    assert piped.status == 0 and piped.stderr == ""


def test_quiet_leaves_out_the_per_key_lines(tmp_path):
    args = ["ckpt", "to-names", FIXTURES / "ckpt" / "tf2_keras", tmp_path / "names"]
    full = run_tfmeta(args, cwd=tmp_path)
    quiet = run_tfmeta(["ckpt", "to-names", FIXTURES / "ckpt" / "tf2_keras", tmp_path / "names2", "--quiet"], cwd=tmp_path)
    assert full.status == 0 and quiet.status == 0
    assert full.stdout.count(" -> ") > 20
    assert quiet.stdout.count("\n") == 1 and "wrote 21 tensors under TF1 names" in quiet.stdout
    match = run_tfmeta(["ckpt", "match", FIXTURES / "meta" / "train_graph", "--meta",
                        FIXTURES / "meta" / "train_graph.meta", "-q"], cwd=tmp_path)
    # match --meta matches the keys the saver writes (the saver never saves `counter`).
    assert match.stdout == "15 matched, 0 disagree, 0 missing, 0 unused, 0 dropped\n", match.stdout
    export = run_tfmeta(["ckpt", "export", FIXTURES / "ckpt" / "v2_dtypes", tmp_path / "x.npz", "--quiet"], cwd=tmp_path)
    assert export.stderr == "" and "skipped)" in export.stdout


def test_long_report_is_summarised_on_a_terminal_only(tmp_path):
    # Every key of v2_dtypes (54) renamed by one rule: more than a screen of per-key lines.
    args = ["ckpt", "rename", FIXTURES / "ckpt" / "v2_dtypes", tmp_path / "r", "--rule", "^=>net/", "--dry-run"]
    piped = run_tfmeta(args, cwd=tmp_path)
    assert piped.status == 0
    per_key = [l for l in piped.stdout.splitlines() if l.startswith("  ")]
    assert len(per_key) > 50 and "--all" not in piped.stdout
    status, terminal, _ = run_on_terminal(args, tmp_path, "stdout")
    lines = terminal.replace("\r\n", "\n").splitlines()
    shown = [l for l in lines if l.startswith("  ") and "more (--all" not in l]
    assert status == 0 and len(shown) == 20, terminal
    assert f"  … {len(per_key) - 20} more (--all lists every line)" in lines
    assert lines[-1] == piped.stdout.splitlines()[-1]
    status, everything, _ = run_on_terminal(args + ["--all"], tmp_path, "stdout")
    assert everything.replace("\r\n", "\n") == piped.stdout
