"""Interop: `tfmeta state init/set-latest/rebase --drop-missing/prune` against
TensorFlow's own checkpoint_management and Saver.

The judge of `prune` is TensorFlow's retention policy itself: the same sequence of
saves, at the same (controlled) times, is run once by a saver that keeps everything
(max_to_keep=None) and pruned by us, and once by a saver with the policy
(max_to_keep=N, keep_checkpoint_every_n_hours=H) that deletes as it goes. The two
directories must end with the same checkpoints and the same state file. The clocks
are controlled by replacing the `time` module that saver.py and
checkpoint_management.py use, so no test sleeps.

After every command, `tf.train.get_checkpoint_state` parses the state file and
`tf.train.latest_checkpoint` agrees with `tfmeta state latest`.
"""
import json
import os
import selectors
import shutil
import signal
import subprocess
import time
import types

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pytest  # noqa: E402
from google.protobuf import text_format  # noqa: E402

from conftest import TFMETA, tfmeta as run_tfmeta  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow.core.protobuf import saver_pb2  # noqa: E402
from tensorflow.python.checkpoint import checkpoint_management  # noqa: E402
from tensorflow.python.training import checkpoint_state_pb2  # noqa: E402
from tensorflow.python.training import saver as saver_module  # noqa: E402

tf1 = tf.compat.v1
HOUR = 3600.0


def tfmeta(*args):
    done = run_tfmeta(*args, check=False)
    return done.returncode, done.stdout, done.stderr


def ok(*args):
    code, out, err = tfmeta(*args)
    assert code == 0, f"tfmeta {args} exited {code}: {err}"
    return out


def agree(directory):
    """TensorFlow parses the state file and its latest is ours."""
    state = tf.train.get_checkpoint_state(directory)
    assert state is not None and state.model_checkpoint_path, open(os.path.join(directory, "checkpoint")).read()
    ours = ok("state", "latest", directory).rstrip("\n")
    assert tf.train.latest_checkpoint(directory) == ours
    assert json.loads(ok("state", "latest", directory, "--json"))["latest"] == ours
    return state


class Clock:
    """A `time` module stand-in whose time() is set by the test."""

    def __init__(self, now):
        self.now = now

    def time(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    c = Clock(0.0)
    fake = types.SimpleNamespace(time=c.time, sleep=time.sleep, perf_counter=time.perf_counter)
    monkeypatch.setattr(saver_module, "time", fake)
    monkeypatch.setattr(checkpoint_management, "time", fake)
    return c


def set_mtime(prefix, t):
    directory, base = os.path.split(prefix)
    for name in os.listdir(directory):
        if name == base or name.startswith(base + ".") or name.startswith(base + "-"):
            if name.startswith(base + "-") and not name[len(base) + 1:len(base) + 2].isdigit():
                continue
            os.utime(os.path.join(directory, name), (t, t))


def checkpoints_on_disk(directory):
    """The checkpoint prefixes (base names) whose index exists, sorted by step."""
    names = [n[:-len(".index")] for n in os.listdir(directory) if n.endswith(".index")]
    return sorted(names, key=lambda n: int(n.rsplit("-", 1)[1]))


def all_files_of(directory):
    return sorted(os.listdir(directory))


# Times of the saves, in hours after the start: irregular, with saves exactly on
# the H boundaries (the Saver's `>` and the manager's `>=` differ there).
OFFSETS = [0.0, 0.25, 0.5, 1.0, 1.2, 1.9, 2.0, 2.05, 3.5, 3.6, 5.0, 5.25, 7.0, 7.5]
POLICIES = [(2, 1.0), (3, 0.5), (1, None), (4, 2.0), (1, 1.0), (5, 3.0)]


# --------------------------------------------------------------------------- TF1 Saver

def tf1_run(directory, clock, start, times, max_to_keep, hours, steps):
    """A TF1 graph-mode Saver saving at `times`; built at `start`."""
    g = tf.Graph()
    with g.as_default():
        tf1.get_variable("w", initializer=tf.constant([1.0, 2.0]))
        clock.now = start
        saver = tf1.train.Saver(max_to_keep=max_to_keep, keep_checkpoint_every_n_hours=hours)
        with tf1.Session(graph=g) as sess:
            sess.run(tf1.global_variables_initializer())
            for step, t in zip(steps, times):
                clock.now = t
                path = saver.save(sess, os.path.join(directory, "model.ckpt"), global_step=step)
                set_mtime(path, t)


@pytest.mark.parametrize("keep,hours", POLICIES)
def test_prune_keeps_what_the_tf1_saver_keeps(tmp_path, clock, keep, hours):
    start = 1_700_000_000.0
    times = [start + o * HOUR for o in OFFSETS]
    steps = [10 * (i + 1) for i in range(len(times))]
    ours, theirs = str(tmp_path / "ours"), str(tmp_path / "theirs")
    os.makedirs(ours)
    os.makedirs(theirs)
    # A Saver that keeps everything: its state file names only the latest.
    tf1_run(ours, clock, start, times, None, 10000.0, steps)
    assert len(tf.train.get_checkpoint_state(ours).all_model_checkpoint_paths) == 1
    # TensorFlow's own policy over the same saves at the same times.
    tf1_run(theirs, clock, start, times, keep, hours if hours else 10000.0, steps)

    args = ["state", "prune", ours, "--keep", str(keep)] + (["--keep-every-hours", str(hours)] if hours else [])
    dry = json.loads(ok(*args, "--dry-run", "--json"))
    assert dry["rule"] == "saver" and all(i["timestamp_source"] == "mtime" for i in dry["kept"])
    assert checkpoints_on_disk(ours) == ["model.ckpt-%d" % s for s in steps]    # the dry run touched nothing

    report = json.loads(ok(*args, "--json"))
    assert all_files_of(ours) == all_files_of(theirs)
    assert checkpoints_on_disk(ours) == checkpoints_on_disk(theirs)
    assert [i["path"] for i in report["deleted"]] == [i["path"] for i in dry["deleted"]]
    # Every file of a deleted checkpoint went: .meta, .index, .data.
    for item in report["deleted"]:
        assert len(item["files"]) == 3 and not any(os.path.exists(f) for f in item["files"])
    state, reference = agree(ours), tf.train.get_checkpoint_state(theirs)
    assert [os.path.basename(p) for p in state.all_model_checkpoint_paths] == \
        [os.path.basename(p) for p in reference.all_model_checkpoint_paths]
    assert os.path.basename(state.model_checkpoint_path) == os.path.basename(reference.model_checkpoint_path)
    # Running it again changes nothing.
    again = json.loads(ok(*args, "--json"))
    assert again["deleted"] == [] and not again["state_written"]


def tf1_v1_run(directory, clock, start, times, max_to_keep, hours, sharded):
    """A V1 Saver (tensor-slice files; sharded: one per device, named by a pattern)."""
    g = tf.Graph()
    with g.as_default():
        for i in range(2):
            with tf.device("/cpu:%d" % i):
                tf1.get_variable("v%d" % i, initializer=float(i))
        clock.now = start
        saver = tf1.train.Saver(max_to_keep=max_to_keep, keep_checkpoint_every_n_hours=hours,
                                write_version=saver_pb2.SaverDef.V1, sharded=sharded)
        with tf1.Session(graph=g, config=tf1.ConfigProto(device_count={"CPU": 2})) as sess:
            sess.run(tf1.global_variables_initializer())
            paths = []
            for step, t in enumerate(times, 1):
                clock.now = t
                paths.append(saver.save(sess, os.path.join(directory, "model.ckpt"), global_step=step))
                for name in os.listdir(directory):
                    if name.startswith("model.ckpt-%d." % step) or name.startswith("model.ckpt-%d-" % step) \
                            or name == "model.ckpt-%d" % step:
                        os.utime(os.path.join(directory, name), (t, t))
    return paths


@pytest.mark.parametrize("sharded", [False, True], ids=["v1", "v1-sharded"])
def test_prune_v1_keeps_what_the_tf1_saver_keeps(tmp_path, clock, sharded):
    start = 1_700_000_000.0
    times = [start + o * HOUR for o in OFFSETS[:9]]
    ours, theirs = str(tmp_path / "ours"), str(tmp_path / "theirs")
    os.makedirs(ours)
    os.makedirs(theirs)
    paths = tf1_v1_run(ours, clock, start, times, None, 10000.0, sharded)
    assert paths[-1].endswith("-?????-of-00002") == sharded
    tf1_v1_run(theirs, clock, start, times, 2, 1.0, sharded)
    report = json.loads(ok("state", "prune", ours, "--keep", "2", "--keep-every-hours", "1", "--json"))
    assert {i["format"] for i in report["deleted"]} == {"V1"}
    assert all(len(i["files"]) == (3 if sharded else 2) for i in report["deleted"])   # .meta and the file(s)
    assert all_files_of(ours) == all_files_of(theirs)
    state, reference = agree(ours), tf.train.get_checkpoint_state(theirs)
    assert [os.path.basename(p) for p in state.all_model_checkpoint_paths] == \
        [os.path.basename(p) for p in reference.all_model_checkpoint_paths]
    reader = tf.train.load_checkpoint(state.model_checkpoint_path)
    assert reader.get_tensor("v1") == 1.0


# ------------------------------------------------------------------ CheckpointManager

def manager_run(directory, clock, created, times, max_to_keep, hours):
    checkpoint = tf.train.Checkpoint(v=tf.Variable([1.0, 2.0]))
    clock.now = created
    manager = tf.train.CheckpointManager(checkpoint, directory, max_to_keep=max_to_keep,
                                         keep_checkpoint_every_n_hours=hours)
    for t in times:
        clock.now = t
        path = manager.save()
        set_mtime(path, t)
    return manager


@pytest.mark.parametrize("keep,hours", POLICIES)
def test_prune_keeps_what_the_checkpoint_manager_keeps(tmp_path, clock, keep, hours):
    start = float(int(time.time()) - 30 * 24 * 3600)      # in the past: the manager caps times at now
    times = [start + o * HOUR for o in OFFSETS]
    created = start - HOUR + 1                            # last_preserved = start - 1 h: a boundary
    ours, theirs = str(tmp_path / "ours"), str(tmp_path / "theirs")
    manager_run(ours, clock, created, times, None, None)
    manager_run(theirs, clock, created, times, keep, hours)

    args = ["state", "prune", ours, "--keep", str(keep)] + (["--keep-every-hours", str(hours)] if hours else [])
    report = json.loads(ok(*args, "--json"))
    assert report["rule"] == "manager"
    assert all_files_of(ours) == all_files_of(theirs)
    for item in report["deleted"]:
        assert len(item["files"]) == 2 and not any(os.path.exists(f) for f in item["files"])
    state, reference = agree(ours), tf.train.get_checkpoint_state(theirs)
    assert list(state.all_model_checkpoint_paths) == [p.replace(theirs, ours) for p in reference.all_model_checkpoint_paths]
    assert list(state.all_model_checkpoint_timestamps) == list(reference.all_model_checkpoint_timestamps)
    assert state.last_preserved_timestamp == reference.last_preserved_timestamp
    # The state file we wrote is one a CheckpointManager resumes from.
    resumed = tf.train.CheckpointManager(tf.train.Checkpoint(v=tf.Variable([0.0, 0.0])), ours, max_to_keep=keep)
    assert resumed.checkpoints == [p.replace(theirs, ours) for p in reference.all_model_checkpoint_paths]


def test_prune_refuses_a_state_file_naming_another_directory(tmp_path, clock):
    """A copied directory whose state file still names the original's absolute
    paths: pruning the copy must not delete the original's checkpoints."""
    original, copy = str(tmp_path / "original"), str(tmp_path / "copy")
    os.makedirs(original)
    tf1_run(original, clock, 1.0, [1.0, 2.0, 3.0], 3, 10000.0, [1, 2, 3])
    shutil.copytree(original, copy)
    before = all_files_of(original)
    code, out, err = tfmeta("state", "prune", copy, "--keep", "1")
    assert code == 1 and original in err and "state init" in err
    assert all_files_of(original) == before and all_files_of(copy) == before
    ok("state", "init", copy, "--overwrite")
    report = json.loads(ok("state", "prune", copy, "--keep", "1", "--json"))
    assert [os.path.basename(i["path"]) for i in report["deleted"]] == ["model.ckpt-1", "model.ckpt-2"]
    assert all_files_of(original) == before
    agree(copy)


def test_prune_after_tf_preserved_some(tmp_path, clock):
    """A directory TF's own policy already pruned: checkpoints it preserved
    (unlisted, older than last_preserved_timestamp) are not deleted by us."""
    start = float(int(time.time()) - 30 * 24 * 3600)
    times = [start + o * HOUR for o in OFFSETS]
    directory = str(tmp_path / "d")
    manager_run(directory, clock, start - 10, times, 3, 1.0)
    before = all_files_of(directory)
    report = json.loads(ok("state", "prune", directory, "--keep", "3", "--keep-every-hours", "1", "--json"))
    assert report["preserved"] and all(not p["listed"] for p in report["preserved"])
    assert report["deleted"] == [] and all_files_of(directory) == before
    agree(directory)


# ----------------------------------------------------------------- init / set-latest

def test_init_lists_v1_and_v2_and_tensorflow_resumes_from_it(tmp_path, clock):
    directory = str(tmp_path / "mixed")
    os.makedirs(directory)
    base = 1_700_000_000.0
    g = tf.Graph()
    with g.as_default():
        tf1.get_variable("w", initializer=tf.constant([1.0, 2.0]))
        v2 = tf1.train.Saver(max_to_keep=None)
        v1 = tf1.train.Saver(max_to_keep=None, write_version=saver_pb2.SaverDef.V1)
        with tf1.Session(graph=g) as sess:
            sess.run(tf1.global_variables_initializer())
            for step, saver in [(1, v1), (2, v2), (3, v1), (4, v2)]:
                path = saver.save(sess, os.path.join(directory, "model.ckpt"), global_step=step)
                set_mtime(path, base + step * 60)
    os.remove(os.path.join(directory, "checkpoint"))
    with open(os.path.join(directory, "events.out.tfevents.1.host"), "wb") as f:
        f.write(b"not a checkpoint")
    assert tf.train.latest_checkpoint(directory) is None
    code, out, err = tfmeta("state", "latest", directory)
    assert code == 1 and "state init" in err

    result = json.loads(ok("state", "init", directory, "--json"))
    assert result["unknown_files"] == ["events.out.tfevents.1.host"]
    state = agree(directory)
    names = ["model.ckpt-%d" % s for s in (1, 2, 3, 4)]
    assert list(state.all_model_checkpoint_paths) == [os.path.join(directory, n) for n in names]
    assert open(os.path.join(directory, "checkpoint")).read().count('"model.ckpt-') == 5   # relative, as TF2 writes
    assert list(state.all_model_checkpoint_timestamps) == [base + s * 60 for s in (1, 2, 3, 4)]
    shown = json.loads(ok("state", "show", directory, "--json"))
    assert [c["format"] for c in shown["checkpoints"]] == ["V1", "V2", "V1", "V2"]
    assert [c["step"] for c in shown["checkpoints"]] == [1, 2, 3, 4]
    assert all(c["bytes"] > 0 for c in shown["checkpoints"])
    # TensorFlow reads the V1 checkpoint it names.
    reader = tf.train.load_checkpoint(os.path.join(directory, "model.ckpt-3"))
    assert list(reader.get_tensor("w")) == [1.0, 2.0]

    # An existing state file is not replaced without --overwrite.
    text = open(os.path.join(directory, "checkpoint")).read()
    code, out, err = tfmeta("state", "init", directory, "--latest", "model.ckpt-2")
    assert code == 1 and "--overwrite" in err
    assert open(os.path.join(directory, "checkpoint")).read() == text

    ok("state", "init", directory, "--latest", "model.ckpt-2", "--absolute", "--overwrite")
    state = agree(directory)
    assert state.model_checkpoint_path == os.path.join(directory, "model.ckpt-2")
    assert list(state.all_model_checkpoint_paths)[-1] == state.model_checkpoint_path
    assert os.path.isabs(text_format.Parse(open(os.path.join(directory, "checkpoint")).read(),
                                           checkpoint_state_pb2.CheckpointState()).model_checkpoint_path)


def test_set_latest_rolls_back_and_forward(tmp_path, clock):
    start = float(int(time.time()) - 3600)
    directory = str(tmp_path / "d")
    manager_run(directory, clock, start - 5, [start + i for i in range(4)], 5, None)
    ok("state", "set-latest", directory, "ckpt-2")
    state = agree(directory)
    assert tf.train.latest_checkpoint(directory) == os.path.join(directory, "ckpt-2")
    assert [os.path.basename(p) for p in state.all_model_checkpoint_paths] == ["ckpt-1", "ckpt-3", "ckpt-4", "ckpt-2"]
    assert list(state.all_model_checkpoint_timestamps) == [start, start + 2, start + 3, start + 1]
    # The CheckpointManager resumes at the checkpoint we chose.
    resumed = tf.train.CheckpointManager(tf.train.Checkpoint(v=tf.Variable([0.0, 0.0])), directory, max_to_keep=5)
    assert resumed.latest_checkpoint == os.path.join(directory, "ckpt-2")
    ok("state", "set-latest", directory, os.path.join(directory, "ckpt-4"))
    assert agree(directory).model_checkpoint_path == os.path.join(directory, "ckpt-4")
    code, out, err = tfmeta("state", "set-latest", directory, "ckpt-9")
    assert code == 1 and "ckpt-9" in err
    assert agree(directory).model_checkpoint_path == os.path.join(directory, "ckpt-4")


# ------------------------------------------------------------------------- rebase

def copy_checkpoints(source, destination):
    os.makedirs(destination)
    for name in os.listdir(source):
        if name != "checkpoint":
            shutil.copy(os.path.join(source, name), os.path.join(destination, name))


def write_state_as_tf(directory, model, paths):
    """The state file exactly as TensorFlow's text_format writes it (backslashes escaped)."""
    state = checkpoint_state_pb2.CheckpointState(model_checkpoint_path=model, all_model_checkpoint_paths=paths)
    with open(os.path.join(directory, "checkpoint"), "w") as f:
        f.write(text_format.MessageToString(state))


def test_windows_state_file_is_repaired(tmp_path, clock):
    made = str(tmp_path / "made")
    os.makedirs(made)
    tf1_run(made, clock, 1.0, [1.0, 2.0, 3.0], None, 10000.0, [1, 2, 3])
    directory = str(tmp_path / "from_windows")
    copy_checkpoints(made, directory)
    write_state_as_tf(directory, "C:\\Users\\bob\\train\\model.ckpt-3",
                      ["\\\\fileserver\\share\\train\\model.ckpt-1", "train\\model.ckpt-2",
                       "C:\\Users\\bob\\train\\model.ckpt-3"])
    assert "\\\\" in open(os.path.join(directory, "checkpoint")).read()
    assert tf.train.latest_checkpoint(directory) is None
    code, out, err = tfmeta("state", "show", directory)
    assert code == 1 and "state rebase" in err
    report = json.loads(ok("state", "rebase", directory, "--json"))
    assert [c["to"] for c in report["changes"]] == ["model.ckpt-1", "model.ckpt-2", "model.ckpt-3"]
    state = agree(directory)
    assert list(state.all_model_checkpoint_paths) == [os.path.join(directory, "model.ckpt-%d" % i) for i in (1, 2, 3)]


def test_doubled_relative_paths_are_repaired(tmp_path, clock, monkeypatch):
    """tensorflow#571: saving to `run/model.ckpt` from the parent directory stored
    `run/model.ckpt-1` in run/checkpoint, which readers resolve to run/run/model.ckpt-1."""
    monkeypatch.chdir(tmp_path)
    os.makedirs("run")
    tf1_run("run", clock, 1.0, [1.0, 2.0], None, 10000.0, [1, 2])
    write_state_as_tf("run", "run/model.ckpt-2", ["run/model.ckpt-1", "run/model.ckpt-2"])
    assert tf.train.latest_checkpoint("run") is None
    out = ok("state", "rebase", "run")
    assert "run/model.ckpt-2 -> model.ckpt-2" in out
    assert agree("run").model_checkpoint_path == "run/model.ckpt-2"


def test_drop_missing_picks_the_newest_remaining(tmp_path, clock):
    start = float(int(time.time()) - 3600)
    directory = str(tmp_path / "d")
    manager_run(directory, clock, start - 5, [start + i for i in range(4)], 5, None)
    for name in os.listdir(directory):
        if name.startswith("ckpt-4.") or name.startswith("ckpt-2."):
            os.remove(os.path.join(directory, name))
    assert tf.train.latest_checkpoint(directory) is None
    code, out, err = tfmeta("state", "show", directory)
    assert code == 1 and "--drop-missing" in err and "MISSING" in out
    code, out, err = tfmeta("state", "rebase", directory)
    assert code == 1 and "--drop-missing" in err
    report = json.loads(ok("state", "rebase", directory, "--drop-missing", "--json"))
    assert report["dropped"] == ["ckpt-2", "ckpt-4"] and report["latest"] == "ckpt-3"
    state = agree(directory)
    assert [os.path.basename(p) for p in state.all_model_checkpoint_paths] == ["ckpt-1", "ckpt-3"]
    assert list(state.all_model_checkpoint_timestamps) == [start, start + 2]
    assert tfmeta("state", "show", directory)[0] == 0


# -------------------------------------------------------------------- interruption

@pytest.fixture
def terminal_signals():
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    yield
    for s, handler in saved.items():
        signal.signal(s, handler)


def paused(args, point):
    env = dict(os.environ, MGK_TEST_PAUSE_AT=point)
    p = subprocess.Popen([TFMETA, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    sel = selectors.DefaultSelector()
    sel.register(p.stderr, selectors.EVENT_READ)
    line = b""
    deadline = time.time() + 60
    while b"paused at" not in line:
        assert time.time() < deadline and sel.select(timeout=60), f"never reached {point}"
        chunk = os.read(p.stderr.fileno(), 4096)
        assert chunk, f"exited before {point}: {line!r} (status {p.wait()})"
        line += chunk
    return p


def assert_state_names_only_complete_checkpoints(directory):
    state = agree(directory)
    for path in state.all_model_checkpoint_paths:
        reader = tf.train.load_checkpoint(path)          # the index and every data file it names
        for name in reader.get_variable_to_shape_map():
            reader.get_tensor(name)
        assert os.path.exists(path + ".meta")
    assert not [n for n in os.listdir(directory) if ".tmp" in n or "tempstate" in n]


@pytest.mark.parametrize("point,sig", [
    ("atomic-commit", signal.SIGINT),     # the new state file is complete, not yet renamed into place
    ("prune-written", signal.SIGTERM),    # the new state file is in place, nothing deleted
    ("prune-file:1", signal.SIGINT),      # between the files of the first checkpoint
    ("prune-file:2", signal.SIGTERM),
    ("prune-checkpoint:1", signal.SIGINT),
    ("prune-file:7", signal.SIGINT),
    ("prune-checkpoint:4", signal.SIGTERM),
])
def test_interrupted_prune_leaves_a_consistent_state_file(tmp_path, clock, terminal_signals, point, sig):
    start = 1_700_000_000.0
    times = [start + o * HOUR for o in OFFSETS[:8]]
    directory, reference = str(tmp_path / "d"), str(tmp_path / "reference")
    for d in (directory, reference):
        os.makedirs(d)
        tf1_run(d, clock, start, times, 8, 10000.0, list(range(1, 9)))     # all 8 listed
    ok("state", "prune", reference, "--keep", "2")
    p = paused(["state", "prune", directory, "--keep", "2"], point)
    p.send_signal(sig)
    assert p.wait(timeout=60) == 128 + sig
    assert_state_names_only_complete_checkpoints(directory)
    # Running it again finishes the job exactly as an uninterrupted run.
    ok("state", "prune", directory, "--keep", "2")
    assert all_files_of(directory) == all_files_of(reference)
    assert_state_names_only_complete_checkpoints(directory)


def test_checkpoint_manager_continues_from_a_state_file_we_wrote(tmp_path, clock):
    """init on a CheckpointManager's directory whose state file was lost: a new
    manager resumes from it, keeps counting, and its own sweep deletes the oldest
    checkpoints our file lists, in our order."""
    start = float(int(time.time()) - 3600)
    directory = str(tmp_path / "d")
    manager_run(directory, clock, start - 5, [start + 60 * i for i in range(4)], None, None)
    os.remove(os.path.join(directory, "checkpoint"))
    ok("state", "init", directory)
    agree(directory)
    checkpoint = tf.train.Checkpoint(v=tf.Variable([0.0, 0.0]))
    clock.now = start + 3000
    manager = tf.train.CheckpointManager(checkpoint, directory, max_to_keep=2)
    assert manager.checkpoints == [os.path.join(directory, "ckpt-%d" % i) for i in (1, 2, 3, 4)]
    checkpoint.restore(manager.latest_checkpoint).assert_consumed()
    assert checkpoint.save_counter.numpy() == 4
    path = manager.save()
    assert path == os.path.join(directory, "ckpt-5")
    assert checkpoints_on_disk(directory) == ["ckpt-4", "ckpt-5"]
    agree(directory)
