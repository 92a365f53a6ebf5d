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
