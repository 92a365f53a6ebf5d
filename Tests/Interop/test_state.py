"""Interop: `tfmeta state` against TensorFlow's own checkpoint_management.

Run with the project's TensorFlow venv, after `swift build`:

    TF_CPP_MIN_LOG_LEVEL=3 ~/.cache/metagraphkit/venv-tf/bin/python -m pytest Tests/Interop/test_state.py

The built binary is $TFMETA (default `.build/debug/tfmeta`). TensorFlow must be
importable: a missing TensorFlow is a failure, not a skip.
"""
import json
import os
import shutil

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import pytest  # noqa: E402

from conftest import tfmeta as run_tfmeta  # noqa: E402
import tensorflow as tf  # noqa: E402  (conftest fails the suite if it cannot import)



def tfmeta(*args):
    """Runs the built tfmeta; returns (exit code, stdout, stderr)."""
    done = run_tfmeta(*args, check=False)
    return done.returncode, done.stdout, done.stderr


def latest(directory):
    code, out, err = tfmeta("state", "latest", directory)
    assert code == 0, err
    return out.rstrip("\n")


def tf1_save(directory, steps, write_version=tf.compat.v1.train.SaverDef.V2, sharded=False, devices=1):
    """Saves with the TF1 Saver (absolute paths, no timestamps); returns the save paths."""
    paths = []
    graph = tf.Graph()
    with graph.as_default():
        variables = []
        for i in range(devices):
            with tf.device("/cpu:%d" % i):
                variables.append(tf.compat.v1.get_variable("v%d" % i, initializer=float(i)))
        saver = tf.compat.v1.train.Saver(write_version=write_version, sharded=sharded, max_to_keep=5)
        config = tf.compat.v1.ConfigProto(device_count={"CPU": devices})
        with tf.compat.v1.Session(graph=graph, config=config) as session:
            session.run(tf.compat.v1.global_variables_initializer())
            for step in steps:
                paths.append(saver.save(session, os.path.join(directory, "model.ckpt"), global_step=step))
    return paths


def test_tf1_saver_absolute_paths(tmp_path):
    directory = str(tmp_path / "tf1")
    os.makedirs(directory)
    paths = tf1_save(directory, [1, 2])
    assert os.path.isabs(open(os.path.join(directory, "checkpoint")).read().split('"')[1])
    assert latest(directory) == tf.train.latest_checkpoint(directory) == paths[-1]
    code, out, err = tfmeta("state", "show", directory, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert [c["resolved"] for c in report["checkpoints"]] == paths
    assert all(c["exists"] and c["format"] == "V2" and c["timestamp"] is None for c in report["checkpoints"])
    assert report["latest"] == paths[-1]


def test_checkpoint_manager_relative_paths(tmp_path):
    directory = str(tmp_path / "tf2")
    checkpoint = tf.train.Checkpoint(v=tf.Variable(1.0))
    manager = tf.train.CheckpointManager(checkpoint, directory, max_to_keep=3)
    for _ in range(4):
        manager.save()
    state = tf.train.get_checkpoint_state(directory)
    assert latest(directory) == tf.train.latest_checkpoint(directory)
    code, out, err = tfmeta("state", "show", directory, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert [c["path"] for c in report["checkpoints"]] == ["ckpt-2", "ckpt-3", "ckpt-4"]
    assert [c["resolved"] for c in report["checkpoints"]] == list(state.all_model_checkpoint_paths)
    assert [c["timestamp"]["seconds"] for c in report["checkpoints"]] == list(state.all_model_checkpoint_timestamps)
    assert report["last_preserved_timestamp"]["seconds"] == state.last_preserved_timestamp


def test_relative_directory_argument(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    checkpoint = tf.train.Checkpoint(v=tf.Variable(1.0))
    tf.train.CheckpointManager(checkpoint, "reldir", max_to_keep=2).save()
    assert latest("reldir") == tf.train.latest_checkpoint("reldir") == "reldir/ckpt-1"


def test_v1_sharded_pattern(tmp_path):
    directory = str(tmp_path / "v1")
    os.makedirs(directory)
    paths = tf1_save(directory, [3], write_version=tf.compat.v1.train.SaverDef.V1, sharded=True, devices=3)
    assert paths[-1].endswith("-?????-of-00003")
    assert latest(directory) == tf.train.latest_checkpoint(directory) == paths[-1]
    code, out, err = tfmeta("state", "show", directory, "--json")
    assert code == 0, err
    assert json.loads(out)["checkpoints"][-1]["format"] == "V1"


def test_missing_checkpoint_is_exit_1(tmp_path):
    directory = str(tmp_path / "gone")
    os.makedirs(directory)
    paths = tf1_save(directory, [1])
    for name in os.listdir(directory):
        if name != "checkpoint":
            os.remove(os.path.join(directory, name))
    assert tf.train.latest_checkpoint(directory) is None
    code, out, err = tfmeta("state", "latest", directory)
    assert code == 1 and out == ""
    assert err.startswith("Error: ") and paths[-1] + ".index" in err


def test_rebase_after_moving_the_directory(tmp_path):
    old = str(tmp_path / "old")
    new = str(tmp_path / "new")
    os.makedirs(old)
    tf1_save(old, [1, 2, 3])
    shutil.move(old, new)
    assert tf.train.latest_checkpoint(new) is None
    code, out, err = tfmeta("state", "latest", new)
    assert code == 1 and "rebase" in err

    code, out, err = tfmeta("state", "rebase", new, "--dry-run")
    assert code == 0, err
    assert "dry run" in out
    assert tf.train.latest_checkpoint(new) is None

    code, out, err = tfmeta("state", "rebase", new, "--overwrite")
    assert code == 0, err
    assert out.count(" -> ") == 3
    assert sorted(os.listdir(new)).count("checkpoint") == 1
    assert not [n for n in os.listdir(new) if n.startswith("checkpoint.tmp")]
    assert tf.train.latest_checkpoint(new) == os.path.join(new, "model.ckpt-3")
    state = tf.train.get_checkpoint_state(new)
    assert list(state.all_model_checkpoint_paths) == [os.path.join(new, "model.ckpt-%d" % i) for i in (1, 2, 3)]
    assert latest(new) == tf.train.latest_checkpoint(new)
    # Moving again still works: the repaired paths are relative.
    newer = str(tmp_path / "newer")
    shutil.move(new, newer)
    assert tf.train.latest_checkpoint(newer) == os.path.join(newer, "model.ckpt-3")


def test_tfmeta_writes_what_tensorflow_reads(tmp_path):
    directory = str(tmp_path / "w")
    checkpoint = tf.train.Checkpoint(v=tf.Variable(1.0))
    manager = tf.train.CheckpointManager(checkpoint, directory, max_to_keep=5)
    manager.save()
    manager.save()
    before = tf.train.get_checkpoint_state(directory)
    # Absolute paths pointing at this directory: rebase has nothing to do.
    code, out, err = tfmeta("state", "rebase", directory)
    assert code == 0 and "nothing to repair" in out
    assert tf.train.get_checkpoint_state(directory) == before
