"""What the benchmark suite shares: running a command in a small child process
that reports its wall time and peak RSS (so neither this Python's TensorFlow nor
a fork of it is counted), running TensorFlow's side of each comparison in a
fresh process of its own, medians, and cleaning output prefixes."""
import json
import statistics
import subprocess
import sys
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


class Result:
    """Several timed runs of one command: the median and spread of the times,
    and the largest peak RSS of any run."""

    def __init__(self, times, peak_mb):
        self.times = sorted(times)
        self.peak_mb = peak_mb

    @property
    def median(self):
        return statistics.median(self.times)

    def spread(self):
        lo, hi = self.times[0], self.times[-1]
        return f"{lo * 1000:.1f}–{hi * 1000:.1f} ms" if hi < 1 else f"{lo:.2f}–{hi:.2f} s"


def repeat(cmd, runs, before=None):
    """Runs cmd once to warm the page cache, then `runs` times (calling before()
    ahead of each, untimed, e.g. to remove the previous output)."""
    results = []
    for _ in range(runs + 1):
        if before:
            before()
        results.append(measure(cmd))
    results = results[1:]
    return Result([r[0] for r in results], max(r[1] for r in results))


# TensorFlow reading every tensor of a checkpoint (load_checkpoint + get_tensor of
# each name): the peer of verify, export and the Python readers.
TF_READ_ALL = """
def job(prefix):
    reader = tf.train.load_checkpoint(prefix)
    for name in reader.get_variable_to_shape_map():
        reader.get_tensor(name)
"""


def clean(prefix: Path):
    """Removes every file whose name starts with prefix's name in its folder."""
    for f in prefix.parent.glob(prefix.name + "*"):
        if f.is_dir():
            for g in f.iterdir():
                g.unlink()
            f.rmdir()
        else:
            f.unlink()


# A job in a fresh process of any Python: runs `prelude` (untimed), then `imports`
# (timed), then `def job(*args)` from the job source once to warm up and then
# `runs` times, timing each run in process. Prints JSON last: the import time,
# the run times, peak RSS (what the job printed comes before it).
_DRIVER = r"""
import json, sys, time
prelude, imports, job_source, runs, args = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), json.loads(sys.argv[5])
exec(prelude, {})
namespace = {}
t = time.perf_counter()
exec(imports, namespace)
import_s = time.perf_counter() - t
exec(job_source, namespace)
job = namespace["job"]
times = []
for i in range(runs + 1):
    t = time.perf_counter()
    job(*args)
    if i:
        times.append(time.perf_counter() - t)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec.
with open("/proc/self/status") as f:
    peak_kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
print(json.dumps({"import": import_s, "times": times, "peak_mb": peak_kb / 1024}))
"""


def in_child(python, imports, job_source, runs, *args, prelude=""):
    """Runs `def job(*args)` from job_source in a fresh `python` process after
    `imports` (see _DRIVER): returns (Result of the in-process run times, import
    seconds, the lines the job printed)."""
    out = subprocess.run([python, "-c", _DRIVER, prelude, imports, job_source, str(runs),
                          json.dumps([str(a) for a in args])], check=True, capture_output=True, text=True).stdout
    lines = out.strip().splitlines()
    report = json.loads(lines[-1])
    return Result(report["times"], report["peak_mb"]), report["import"], lines[:-1]


def tensorflow(python, job_source, runs, *args):
    """Runs `def job(*args)` from job_source with TensorFlow (`tf`, `np`) in a
    fresh process: returns (Result of the in-process run times, import seconds)."""
    result, import_s, _ = in_child(python, "import tensorflow as tf\nimport numpy as np", job_source, runs, *args)
    return result, import_s
