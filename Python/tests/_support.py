"""Paths and TensorFlow's recorded values for the tfmeta Python tests.

The tests run from the installed wheel in a virtual environment with numpy and
pytest only (Scripts/test-all). TensorFlow's values come from each fixture's
`*.expected.json`, written by Fixtures/generate.py from what TensorFlow itself
read (`tf.train.load_checkpoint(...).get_tensor`, or `tf.raw_ops.RestoreV2` for
the sliced V1 tensors TensorFlow's Python reader refuses); Tests/Interop/
test_python_binding.py compares against TensorFlow live as well.
"""
import base64
import json
import os
import subprocess
from pathlib import Path

ROOT = Path(os.environ.get("MGK_ROOT", Path(__file__).resolve().parents[2]))
FIXTURES = ROOT / "Fixtures"
CKPT = FIXTURES / "ckpt"


def expected_files():
    return sorted(CKPT.glob("*.expected.json"))


def expected(path):
    """(prefix path, {key: (dtype, shape, raw bytes | [bytes])}) of one fixture."""
    doc = json.loads(path.read_text())
    out = {}
    for key, t in doc["tensors"].items():
        if "strings" in t:
            value = [base64.b64decode(s) for s in t["strings"]]
        else:
            value = base64.b64decode(t["raw"])
        out[key] = (t["dtype"], t["shape"], value)
    return str(CKPT / doc["prefix"]), out


TFMETA = os.environ.get("TFMETA_CLI", "tfmeta")


def cli_error(*args):
    """The message of the `tfmeta` command's failure (exit 1), without `Error: `."""
    p = subprocess.run([TFMETA, *map(str, args)], capture_output=True, text=True)
    assert p.returncode == 1, p
    assert p.stderr.startswith("Error: ")
    return p.stderr[len("Error: "):].rstrip("\n")


def count_calls(monkeypatch, name):
    """Counts the calls the package makes to the library function `name`."""
    import tfmeta
    lib = tfmeta._lib.lib
    real = getattr(lib, name)
    calls = []

    def counted(*args):
        calls.append(args)
        return real(*args)
    monkeypatch.setattr(lib, name, counted)
    return calls
