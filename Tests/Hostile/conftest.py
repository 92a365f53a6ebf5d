"""The hostile-input suite: tfmeta, run as a real process, on damaged copies of every
fixture file and on crafted attacks. No TensorFlow needed.

What every case checks (``check_outcome``):
* the exit status is 0 or 1 (1 where the damage is certain to be detectable),
  never a signal, never another code;
* no "Fatal error", sanitizer report or stack dump on stderr;
* on exit 1, a line of stdout or stderr names the damaged file and says what is
  wrong ("PATH: <problem>" or "PATH:LINE:COL: <problem>");
* peak memory (the child's max RSS, from wait4) stays under MAX_RSS_MB, and a
  plain build runs under an address-space limit, so a huge allocation driven by
  a length in the file kills the case instead of passing;
* the input files are byte-for-byte unchanged and nothing new appears beside
  them; after a failed write, the output directory is empty (no temp files).

Environment: TFMETA (the binary, default .build/debug/tfmeta), MGK_ROOT. An
AddressSanitizer build is recognised by its runtime in the binary: then the
address-space limit is replaced by ASan's allocation limit, and any ASan or
LeakSanitizer report fails the case.
"""
import hashlib
import json
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("MGK_ROOT", Path(__file__).resolve().parents[2]))
FIXTURES = ROOT / "Fixtures"
TFMETA = os.path.abspath(os.environ.get("TFMETA", str(ROOT / ".build" / "debug" / "tfmeta")))

# Peak resident memory any case may use. The largest fixture is 600 KB; a plain
# debug tfmeta peaks near 30 MB, an ASan one near 80 MB on these inputs.
MAX_RSS_MB = 256
# Address space for a plain build (a debug tfmeta maps about 80 MB at start).
ADDRESS_SPACE_MB = 1024
# CPU seconds before a case is killed (an endless loop is a failure, not a hang).
CPU_SECONDS = 60
# Wall-clock seconds before a case is killed: a process that blocks without using
# CPU (libdispatch retrying forever a thread it cannot create does) must fail too.
WALL_SECONDS = 120

# The sanitizer's exit code must not collide with tfmeta's 1.
ASAN_EXIT = 86
ASAN_OPTIONS = ":".join([
    "detect_leaks=1",
    f"exitcode={ASAN_EXIT}",
    "abort_on_error=0",
    # A single allocation beyond this is reported (and fails the case) instead of
    # being served: RLIMIT_AS cannot be used with ASan's shadow memory.
    f"max_allocation_size_mb={MAX_RSS_MB}",
    "allocator_may_return_null=0",
    "malloc_context_size=8",
])


def _is_asan(binary):
    # The instrumentation's calls, not the runtime's name: a plain build names
    # `__asan_init` too (the HDF5 reader asks dlsym whether ASan is loaded).
    try:
        with open(binary, "rb") as f:
            return b"__asan_report_load" in f.read()
    except OSError:
        return False


ASAN = _is_asan(TFMETA)

# HOSTILE_SAMPLE=N keeps every Nth damaged-fixture case (CI's ASan run: an ASan
# tfmeta starts about three times slower); crafted cases always run.
SAMPLE = int(os.environ.get("HOSTILE_SAMPLE", "1"))


def sampled(i):
    return i % SAMPLE == 0


@pytest.fixture
def case_dir():
    """A fresh directory for one case, removed right after it (thousands of cases
    would otherwise pile up under pytest's basetemp)."""
    with tempfile.TemporaryDirectory(prefix="hostile-") as d:
        yield Path(d)


@dataclass
class Outcome:
    args: list
    status: int  # exit status, or -signal
    stdout: str
    stderr: str
    max_rss_mb: float

    def describe(self):
        return (f"tfmeta {' '.join(self.args)}\n  exit {self.status}, peak {self.max_rss_mb:.0f} MB\n"
                f"  stdout: {self.stdout[-1500:]!r}\n  stderr: {self.stderr[-3000:]!r}")


def _limits():
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    if not ASAN:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_MB << 20, ADDRESS_SPACE_MB << 20))


def run_tfmeta(args, cwd, *, allocation_limit_mb=None):
    """Runs tfmeta in `cwd` with the limits; returns its Outcome (peak RSS from wait4).

    `allocation_limit_mb` lowers ASan's allocation limit (only the harness's own
    tests use it, to show that an allocation past it fails the case)."""
    assert Path(TFMETA).exists(), f"tfmeta is not built at {TFMETA} (swift build --product tfmeta, or set TFMETA)"
    env = dict(os.environ)
    if ASAN:
        options = ASAN_OPTIONS
        if allocation_limit_mb:
            options = options.replace(f"max_allocation_size_mb={MAX_RSS_MB}", f"max_allocation_size_mb={allocation_limit_mb}")
        env["ASAN_OPTIONS"] = options
        env["LSAN_OPTIONS"] = f"exitcode={ASAN_EXIT}"
    else:
        assert not allocation_limit_mb, "only an ASan build takes a tighter allocation limit"
    out_path, err_path = Path(cwd) / ".hostile-stdout", Path(cwd) / ".hostile-stderr"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        p = subprocess.Popen([TFMETA, *args], cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                             env=env, preexec_fn=_limits)
        timer = threading.Timer(WALL_SECONDS, p.kill)
        timer.start()
        try:
            _, wait_status, usage = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(wait_status)
    stdout = out_path.read_bytes().decode("utf-8", "replace")
    stderr = err_path.read_bytes().decode("utf-8", "replace")
    out_path.unlink()
    err_path.unlink()
    return Outcome(list(args), p.returncode, stdout, stderr, usage.ru_maxrss / 1024)


def snapshot(directory):
    """Every file under `directory` (relative path → SHA-256), to prove nothing changed."""
    d = Path(directory)
    return {str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(d.rglob("*")) if p.is_file() and not p.name.startswith(".hostile-")}


def names_file_and_problem(outcome, path):
    """Whether some output line names `path` followed by a description of the problem."""
    for line in (outcome.stdout + "\n" + outcome.stderr).splitlines():
        at = line.find(path)
        if at < 0:
            continue
        rest = line[at + len(path):]
        # "PATH: problem", "PATH:12:3: problem", or "PATH (…)": at least a few words.
        if len(rest.strip(" :0123456789")) >= 12:
            return True
    return False


CRASH_MARKERS = ("Fatal error", "AddressSanitizer", "LeakSanitizer", "Stack dump", "Segmentation fault",
                 "Illegal instruction", "Current stack trace", "SUMMARY:")


def _unreadable(text):
    """Characters a message to a person should not hold: control bytes, U+FFFD."""
    return sorted({c for c in text if c == "\ufffd" or (ord(c) < 32 and c not in "\n\t")})


def check_outcome(outcome, *, damaged, allowed=(0, 1), must_fail=False, readable=False):
    """The checks every case shares (see the module docstring). `damaged` is the
    damaged file's path as given to tfmeta (relative to its working directory),
    or a list of acceptable names. With `readable`, the output must hold no control
    characters or invalid UTF-8 (checkpoint keys are CRC-protected, so any in a
    message come from printing a binary key raw)."""
    problems = []
    if readable and _unreadable(outcome.stdout + outcome.stderr):
        problems.append(f"unreadable characters in the output: {_unreadable(outcome.stdout + outcome.stderr)}")
    if outcome.status < 0:
        problems.append(f"killed by signal {signal.Signals(-outcome.status).name}")
    elif outcome.status == ASAN_EXIT and ASAN:
        problems.append("AddressSanitizer/LeakSanitizer report")
    expected = (1,) if must_fail else allowed
    if outcome.status >= 0 and outcome.status not in expected:
        problems.append(f"exit {outcome.status}, expected {' or '.join(map(str, expected))}")
    for marker in CRASH_MARKERS:
        if marker in outcome.stderr:
            problems.append(f"stderr has {marker!r}")
    if outcome.status == 1:
        names = [damaged] if isinstance(damaged, str) else list(damaged)
        # With --json a failure is one JSON document on stdout: {"error": {"code", "message", …}}.
        json_error = None
        if "--json" in outcome.args:
            try:
                json_error = json.loads(outcome.stdout).get("error")
            except (ValueError, AttributeError):
                json_error = None
        if "Error: " not in outcome.stderr and not (isinstance(json_error, dict) and json_error.get("message")):
            problems.append("exit 1 without an 'Error: ' line on stderr (or, with --json, an error document on stdout)")
        if not any(names_file_and_problem(outcome, n) for n in names):
            problems.append(f"no message names {' or '.join(names)} and the problem")
    if outcome.max_rss_mb > MAX_RSS_MB:
        problems.append(f"peak memory {outcome.max_rss_mb:.0f} MB > {MAX_RSS_MB} MB")
    assert not problems, "; ".join(problems) + "\n" + outcome.describe()


def check_nothing_left(outcome, *, inputs_before, input_dir, output_dir=None):
    """Inputs unchanged, nothing added beside them; an empty output dir after a failure."""
    after = snapshot(input_dir)
    changed = sorted(k for k in inputs_before if after.get(k) != inputs_before[k])
    added = sorted(set(after) - set(inputs_before))
    assert not changed, f"inputs modified: {changed}\n{outcome.describe()}"
    assert not added, f"files left beside the inputs: {added}\n{outcome.describe()}"
    if output_dir is not None and outcome.status != 0:
        left = sorted(os.listdir(output_dir))
        assert not left, f"output left behind after exit {outcome.status}: {left}\n{outcome.describe()}"


def copy_fixture_files(files, into):
    """Copies fixture files (paths relative to Fixtures/) flat into `into`."""
    into.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copyfile(FIXTURES / f, into / Path(f).name)
