"""Shared setup of the interop suite: TensorFlow judges what tfmeta writes.

Run by Scripts/test-all with the cached virtual environment's Python. TensorFlow
must import: if it cannot, every test fails (an interop suite that skips proves
nothing).
"""
import json
import os
import subprocess
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(os.environ.get("MGK_ROOT", Path(__file__).resolve().parents[2]))
FIXTURES = ROOT / "Fixtures"
TFMETA = os.path.abspath(os.environ.get("TFMETA", str(ROOT / ".build" / "debug" / "tfmeta")))

import tensorflow as tf  # noqa: E402  (an ImportError here fails the whole suite)


def read_all(prefix):
    """Every tensor of a checkpoint as TensorFlow reads it: {key: ndarray}."""
    r = tf.train.load_checkpoint(str(prefix))
    return {k: r.get_tensor(k) for k in r.get_variable_to_shape_map()}


def write_rules(path, steps):
    """A rules file (Schemas/rules-v1.schema.json) of `steps` at `path`."""
    path.write_text(json.dumps({"$schema": "https://metagraphkit.dev/schemas/rules-v1.schema.json",
                                "version": 1, "steps": steps}))
    return path


def tfmeta(*args, check=True):
    """Runs the built tfmeta; returns the CompletedProcess (stdout and stderr
    separate). With check, a non-zero exit fails the test with tfmeta's stderr."""
    assert Path(TFMETA).exists(), f"tfmeta is not built at {TFMETA} (swift build, or set TFMETA)"
    p = subprocess.run([TFMETA, *map(str, args)], capture_output=True, text=True)
    if check:
        assert p.returncode == 0, f"tfmeta {' '.join(map(str, args))} failed ({p.returncode}):\n{p.stderr}"
    return p


@pytest.fixture(scope="session")
def tfm():
    """tfmeta as a fixture; returns (exit status, stdout, stderr)."""

    def run(*args, check=True):
        p = tfmeta(*args, check=check)
        return p.returncode, p.stdout, p.stderr

    return run


@pytest.fixture(scope="session")
def fixtures():
    return FIXTURES
