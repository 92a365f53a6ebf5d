"""Interruption: SIGINT (Ctrl-C), SIGTERM or SIGHUP to a `tfmeta` that is writing
leaves no temporary file, no partial output and no new directory; an output it
was replacing (--overwrite, an existing export or state file) is back byte for
byte; inputs are unchanged; the exit status is 128 + the signal number.

Deterministic, not timed: `MGK_TEST_PAUSE_AT=NAME:N` makes tfmeta stop at the
N-th time it reaches a named moment of the write (PausePoint.swift lists them)
and say `paused at NAME:N` on stderr; the test then sends the signal to the
real process. The moments cover the start (first temporary written), the middle,
the end phase (index written; data files renamed into place but no index; index
in place but not committed) and every command that writes. One test sends
SIGINT with no pause at all, at varying moments, and checks the same rule.

Inputs are written by TensorFlow (V1 by SaveSlices, V2 by SaveV2, an
object-based tf.train.Checkpoint, a TF1 Saver directory).
"""
import hashlib
import os
import selectors
import shutil
import signal
import subprocess
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from conftest import TFMETA, tfmeta  # noqa: E402
import tensorflow as tf  # noqa: E402
from test_writer import write_saver_dir  # noqa: E402

tf1 = tf.compat.v1
N = 12  # tensors per input, 1 MiB each


def tensors(n=N):
    return {f"t{i:02d}": np.full((512, 512), i, np.float32) for i in range(n)}


def write_v1(path, n=N):
    values = tensors(n)
    with tf.Graph().as_default(), tf1.Session() as sess:
        sess.run(tf.raw_ops.SaveSlices(filename=str(path), tensor_names=list(values),
                                       shapes_and_slices=[""] * n, data=[tf.constant(v) for v in values.values()]))


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("interrupt_inputs")
    write_v1(d / "v1")
    values = tensors()
    tf.raw_ops.SaveV2(prefix=str(d / "v2"), tensor_names=list(values), shape_and_slices=[""] * N,
                      tensors=list(values.values()))
    tf.train.Checkpoint(**{k: tf.Variable(v, name=k) for k, v in values.items()}).write(str(d / "obj"))
    (d / "saver").mkdir()
    write_saver_dir(str(d / "saver"), steps=(1, 2))
    # A state file whose paths name a directory that was moved: `state rebase` rewrites it.
    (d / "moved").mkdir()
    for f in os.listdir(d / "saver"):
        if f != "checkpoint":
            shutil.copy(d / "saver" / f, d / "moved" / f)
    (d / "moved" / "checkpoint").write_text('model_checkpoint_path: "/gone/model.ckpt-2"\n'
                                            'all_model_checkpoint_paths: "/gone/model.ckpt-1"\n'
                                            'all_model_checkpoint_paths: "/gone/model.ckpt-2"\n')
    tfmeta("ckpt", "to-names", d / "obj", d / "names")   # sanity: the inputs convert
    return d


@pytest.fixture(scope="module", autouse=True)
def default_signal_dispositions():
    """tfmeta leaves signals it inherits as ignored alone (nohup, background jobs
    of scripts), so the children here must start as from a terminal: SIGINT,
    SIGTERM and SIGHUP not ignored, whatever this runner inherited."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    yield
    for s, handler in saved.items():
        signal.signal(s, handler)


def tree(*roots):
    """Every file and directory under the roots: path → sha256 (or "dir")."""
    out = {}
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            for name in dirnames:
                out[os.path.join(dirpath, name)] = "dir"
            for name in filenames:
                with open(os.path.join(dirpath, name), "rb") as f:
                    out[os.path.join(dirpath, name)] = hashlib.sha256(f.read()).hexdigest()
    return out


def start_paused(args, point):
    """Starts tfmeta and returns it once it has paused at `point`."""
    env = dict(os.environ, MGK_TEST_PAUSE_AT=point)
    p = subprocess.Popen([TFMETA, *map(str, args)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    sel = selectors.DefaultSelector()
    sel.register(p.stderr, selectors.EVENT_READ)
    err = b""
    deadline = time.monotonic() + 60
    while b"paused at" not in err:
        assert time.monotonic() < deadline, f"no pause at {point}: {err!r}"
        if sel.select(timeout=1):
            chunk = os.read(p.stderr.fileno(), 4096)
            assert chunk, f"tfmeta ended (status {p.wait()}) before reaching {point}: {err.decode()}"
            err += chunk
    return p


def paused_then_signalled(args, point, sig, watch):
    """Runs tfmeta until it pauses at `point`, sends `sig`; returns (exit status,
    the names under `watch` while it was paused, stderr)."""
    p = start_paused(args, point)
    during = sorted(os.path.relpath(path, watch) for path in tree(watch))
    p.send_signal(sig)
    err = p.stderr.read()
    return p.wait(timeout=60), during, err.decode()


def assert_interrupted(args, point, inputs, out, sig=signal.SIGINT):
    before = tree(inputs, out)
    start = sorted(os.path.relpath(path, out) for path in tree(out))
    status, during, err = paused_then_signalled(args, point, sig, out)
    assert status == 128 + sig, (status, err)
    # The write was under way: the output location had changed when the signal came.
    assert during != start, f"nothing written yet at {point}"
    assert tree(inputs, out) == before, f"after {point}: {sorted(set(tree(out)) ^ set(before))}"


# MARK: - Every writing command, paused at its significant moments

CASES = [
    # migrate V1 → V2, 3 data files: 12 tensors, then the index; placed 1-3 are
    # data files (the checkpoint has data but no index), 4 is the index, before the commit.
    ("migrate", "bundle-tensor:1", signal.SIGINT),
    ("migrate", "bundle-tensor:7", signal.SIGTERM),
    ("migrate", "bundle-finish", signal.SIGINT),
    ("migrate", "bundle-placed:1", signal.SIGINT),
    ("migrate", "bundle-placed:3", signal.SIGHUP),
    ("migrate", "bundle-placed:4", signal.SIGINT),
    ("migrate-v2", "bundle-placed:2", signal.SIGINT),
    ("rename", "bundle-tensor:2", signal.SIGINT),
    ("rename", "bundle-placed:1", signal.SIGTERM),
    ("to-names", "bundle-tensor:5", signal.SIGINT),
    ("to-names", "bundle-placed:2", signal.SIGINT),
    ("to-object", "bundle-placed:1", signal.SIGINT),
    ("safetensors", "export-tensor:1", signal.SIGINT),
    ("safetensors", "export-tensor:9", signal.SIGTERM),
    ("safetensors", "atomic-commit", signal.SIGINT),
    ("safetensors", "atomic-placed", signal.SIGINT),
    ("npz", "export-tensor:4", signal.SIGINT),
    ("npz", "atomic-placed", signal.SIGINT),
    ("npz-v1", "export-tensor:2", signal.SIGINT),
    ("meta-convert", "atomic-placed", signal.SIGINT),
    # Directory: two checkpoints, each with its .meta, then the state file. The
    # directory is created by the command and must go too.
    ("directory", "bundle-tensor:1", signal.SIGINT),
    ("directory", "directory-checkpoint:1", signal.SIGINT),
    ("directory", "bundle-placed:3", signal.SIGINT),
    ("directory", "atomic-placed:3", signal.SIGTERM),
]


def command(kind, i, out):
    return {
        "migrate": ["ckpt", "migrate", i / "v1", out / "ckpt", "--shards", "3"],
        "migrate-v2": ["ckpt", "migrate", i / "v2", out / "ckpt", "--shards", "2"],
        "rename": ["ckpt", "rename", i / "v2", out / "ckpt", "--rule", "^t=>u", "--shards", "2"],
        "to-names": ["ckpt", "to-names", i / "obj", out / "ckpt"],
        "to-object": ["ckpt", "to-object", i / "v1", "--template", i / "obj", out / "ckpt"],
        "safetensors": ["ckpt", "export", i / "v2", out / "x.safetensors"],
        "npz": ["ckpt", "export", i / "v2", out / "x.npz"],
        "npz-v1": ["ckpt", "export", i / "v1", out / "x.npz"],
        "meta-convert": ["meta", "convert", i / "saver" / "model.ckpt-1.meta", out / "m.pbtxt"],
        "directory": ["ckpt", "migrate", i / "saver", out / "dir"],
    }[kind]


@pytest.mark.parametrize("kind,point,sig", CASES, ids=[f"{k}@{p}-{signal.Signals(s).name}" for k, p, s in CASES])
def test_signal_leaves_no_partial_output(inputs, tmp_path, kind, point, sig):
    assert_interrupted(command(kind, inputs, tmp_path), point, inputs, tmp_path, sig)
    # Unpaused, the same command completes (the inputs were fine all along).
    tfmeta(*command(kind, inputs, tmp_path))


def test_state_rebase_keeps_the_old_state_file(inputs, tmp_path):
    moved = tmp_path / "moved"
    shutil.copytree(inputs / "moved", moved)
    assert_interrupted(["state", "rebase", moved], "atomic-placed", inputs, tmp_path)
    assert "/gone/" in (moved / "checkpoint").read_text()


def test_signals_inherited_as_ignored_stay_ignored(inputs, tmp_path):
    """Under nohup, SIGHUP must not end the migration; the others still clean up."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        p = start_paused(["ckpt", "migrate", inputs / "v1", tmp_path / "ckpt"], "bundle-tensor:2")
    finally:
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
    p.send_signal(signal.SIGHUP)
    with pytest.raises(subprocess.TimeoutExpired):
        p.wait(timeout=0.3)
    p.send_signal(signal.SIGINT)
    assert p.wait(timeout=60) == 130
    assert os.listdir(tmp_path) == []


# MARK: - --overwrite: the old output survives an interruption, byte for byte

def test_overwritten_checkpoint_is_back_after_interrupt(inputs, tmp_path):
    # The old checkpoint has 3 data files, the new one 2: both the replaced data
    # files and the stale third one must be back.
    tfmeta("ckpt", "migrate", inputs / "v1", tmp_path / "ckpt", "--shards", "3")
    args = ["ckpt", "migrate", inputs / "v2", tmp_path / "ckpt", "--shards", "2", "--overwrite"]
    for point in ("bundle-finish", "bundle-placed:1", "bundle-placed:2", "bundle-placed:3"):
        assert_interrupted(args, point, inputs, tmp_path)
    reader = tf.train.load_checkpoint(str(tmp_path / "ckpt"))
    np.testing.assert_array_equal(reader.get_tensor("t05"), tensors()["t05"])
    tfmeta(*args)
    assert sorted(os.listdir(tmp_path)) == ["ckpt.data-00000-of-00002", "ckpt.data-00001-of-00002", "ckpt.index"]


def test_overwritten_export_and_directory_are_back_after_interrupt(inputs, tmp_path):
    tfmeta("ckpt", "export", inputs / "v1", tmp_path / "x.safetensors")
    assert_interrupted(["ckpt", "export", inputs / "v2", tmp_path / "x.safetensors", "--overwrite"], "atomic-placed",
                       inputs, tmp_path)
    tfmeta("ckpt", "migrate", inputs / "saver", tmp_path / "dir")
    args = ["ckpt", "migrate", inputs / "saver", tmp_path / "dir", "--overwrite", "--shards", "2"]
    for point in ("bundle-placed:2", "atomic-placed:2", "atomic-placed:3"):
        assert_interrupted(args, point, inputs, tmp_path)


# MARK: - Unpaused: SIGINT at whatever moment it lands

@pytest.fixture(scope="module")
def big_v1(tmp_path_factory):
    path = tmp_path_factory.mktemp("interrupt_big") / "v1"
    write_v1(path, 48)
    return path


def test_sigint_at_any_moment_leaves_all_or_nothing(big_v1, tmp_path):
    """48 MiB migrated to 4 data files (about 0.2 s in a debug build); SIGINT
    once a temporary exists, then later each round, up to past the end. Either
    the signal won (130, nothing left) or the migration did (a complete
    checkpoint, status 0, or 130 when the signal came between the commit and the
    exit); never anything in between."""
    interrupted = 0
    before = tree(big_v1.parent, tmp_path)
    for delay in (0, 0, 0.01, 0.05, 0.1, 0.15, 0.2, 0.25, 0.4):
        p = subprocess.Popen([TFMETA, "ckpt", "migrate", str(big_v1), str(tmp_path / "ckpt"), "--shards", "4"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        while p.poll() is None and not any(".tempstate" in f for f in os.listdir(tmp_path)):
            time.sleep(0.0005)
        time.sleep(delay)
        p.send_signal(signal.SIGINT)
        status = p.wait(timeout=60)
        assert status in (0, 130), p.stderr.read().decode()
        if tree(big_v1.parent, tmp_path) == before:
            assert status == 130
            interrupted += 1
        else:
            assert sorted(os.listdir(tmp_path)) == ["ckpt.data-0000%d-of-00004" % i for i in range(4)] + ["ckpt.index"]
            tfmeta("ckpt", "verify", tmp_path / "ckpt")
            for f in os.listdir(tmp_path):
                os.unlink(tmp_path / f)
    assert interrupted > 0, "every migration finished before its SIGINT"
