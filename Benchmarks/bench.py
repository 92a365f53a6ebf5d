"""What the benchmark scripts share: running a command in a small child process
that reports its wall time and peak RSS (so neither this Python's TensorFlow nor
a fork of it is counted), best-of-N timing, and cleaning output prefixes."""
import subprocess
import sys
import time
from pathlib import Path

# A child that runs a command and reports its wall time and peak RSS (KB).
_MEASURE = r"""
import resource, subprocess, sys, time
t = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def measure(cmd):
    """Runs cmd once; returns (seconds, peak RSS in MB) of the command alone."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, *map(str, cmd)], check=True,
                         capture_output=True, text=True).stdout
    seconds, kb = out.split()
    return float(seconds), int(kb) / 1024


def best(run, n):
    """Runs run() n times; returns (fastest seconds, largest peak RSS MB)."""
    results = [run() for _ in range(n)]
    return min(r[0] for r in results), max(r[1] for r in results)


def best_time(f, n=5):
    """Calls f once to warm up, then n times; returns the fastest in seconds."""
    f()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def clean(prefix: Path):
    """Removes every file whose name starts with prefix's name in its folder."""
    for f in prefix.parent.glob(prefix.name + "*"):
        f.unlink()


def big_tensors(n, d):
    """n float32 tensors of d x d with fixed random values (TensorFlow constants)."""
    import numpy as np
    import tensorflow as tf
    rng = np.random.default_rng(0)
    return [tf.constant(rng.standard_normal((d, d), dtype=np.float32)) for _ in range(n)]


# TensorFlow's own route, in a fresh process: read every tensor, SaveV2 them
# (names with the prefix argv[3] get argv[4] instead).
_TF_ROUTE = r"""
import sys, time, resource
import tensorflow as tf
src, dst, old, new = sys.argv[1:5]
t = time.perf_counter()
reader = tf.train.load_checkpoint(src)
names = sorted(reader.get_variable_to_shape_map())
tensors = [reader.get_tensor(n) for n in names]
out = [new + n[len(old):] if n.startswith(old) else n for n in names]
tf.raw_ops.SaveV2(prefix=dst, tensor_names=out, shape_and_slices=[""] * len(names), tensors=tensors)
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

# The result must be right: TensorFlow reads every tensor of argv[2] equal to
# argv[1]'s (names with the prefix argv[3] renamed to argv[4]).
_TF_CHECK = r"""
import sys, numpy as np, tensorflow as tf
a, b = tf.train.load_checkpoint(sys.argv[1]), tf.train.load_checkpoint(sys.argv[2])
old, new = sys.argv[3:5]
names = sorted(a.get_variable_to_shape_map())
renamed = [new + n[len(old):] if n.startswith(old) else n for n in names]
assert sorted(b.get_variable_to_shape_map()) == sorted(renamed)
for n, m in zip(names, renamed):
    assert np.array_equal(a.get_tensor(n), b.get_tensor(m)), n
print("verified")
"""


def tf_route(src, dst, old="", new=""):
    """TensorFlow's load_checkpoint + SaveV2; returns (seconds in process, peak RSS MB)."""
    clean(Path(dst))
    out = subprocess.run([sys.executable, "-c", _TF_ROUTE, str(src), str(dst), old, new], check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[-2]), int(out[-1]) / 1024


def tf_check(src, dst, old="", new=""):
    """Fails unless TensorFlow reads dst's tensors equal to src's."""
    return subprocess.run([sys.executable, "-c", _TF_CHECK, str(src), str(dst), old, new], check=True,
                          capture_output=True, text=True).stdout.strip()


def print_comparison(gib, rows):
    """rows: (label, seconds, peak RSS MB) — cp first, then tfmeta, then TensorFlow."""
    print(f"{'':34s} {'seconds':>8s} {'GiB/s':>7s} {'peak RSS MB':>12s}")
    for label, seconds, mb in rows:
        print(f"{label:34s} {seconds:8.3f} {gib / seconds:7.2f} {mb:12.0f}")
