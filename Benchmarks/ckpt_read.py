"""Reading a 1 GiB checkpoint (16 x 4096^2 float32): tfmeta ckpt list / verify /
export against TensorFlow reading every tensor, and cp of the same bytes.

Page cache warm (each command runs once before it is timed); best of 5 runs.
"""
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

work = Path(sys.argv[1]) / "ckpt_read"
work.mkdir(parents=True, exist_ok=True)
TFMETA = os.environ["TFMETA"]
v2 = work / "big_v2"
v1 = work / "big_v1"
names = [f"layer_{i:02d}/kernel" for i in range(16)]

if not (work / "big_v2.index").exists():
    rng = np.random.default_rng(0)
    tensors = [tf.constant(rng.standard_normal((4096, 4096), dtype=np.float32)) for _ in names]
    tf.raw_ops.SaveV2(prefix=str(v2), tensor_names=names, shape_and_slices=[""] * 16, tensors=tensors)
    tf.raw_ops.SaveSlices(filename=str(v1), tensor_names=names, shapes_and_slices=[""] * 16, data=tensors)
    del tensors


def best(f, n=5):
    f()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


PEAK = {}


def run(*args):
    # GNU time reports the child's own peak RSS (Python's ru_maxrss of children
    # would count the fork of this TensorFlow-sized process).
    p = subprocess.run(["/usr/bin/time", "-f", "%M", TFMETA, *map(str, args)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    name = " ".join(map(str, args[:2])) + (" V1" if v1 in args else "")
    PEAK[name] = max(PEAK.get(name, 0), int(p.stderr.strip().splitlines()[-1]))


def tf_read(prefix):
    reader = tf.train.load_checkpoint(str(prefix))
    for k in names:
        reader.get_tensor(k)


out = work / "out.safetensors"
data = work / "big_v2.data-00000-of-00001"
rows = [
    ("tfmeta ckpt list (V2)", best(lambda: run("ckpt", "list", v2))),
    ("tfmeta ckpt verify (V2)", best(lambda: run("ckpt", "verify", v2))),
    ("tfmeta ckpt verify (V1)", best(lambda: run("ckpt", "verify", v1))),
    ("tfmeta ckpt export -> safetensors (V2)", best(lambda: run("ckpt", "export", v2, out))),
    ("cp of the same 1 GiB", best(lambda: subprocess.run(["cp", str(data), str(work / "copy.bin")], check=True))),
    ("TensorFlow: read every tensor (V2, in process)", best(lambda: tf_read(v2), 3)),
    ("TensorFlow: read every tensor (V1, in process)", best(lambda: tf_read(v1), 3)),
]
for name, seconds in rows:
    print(f"{name:50s} {seconds * 1000:9.1f} ms")
for name, kb in PEAK.items():
    print(f"peak RSS of tfmeta {name:30s} {kb / 1024:7.0f} MB")
