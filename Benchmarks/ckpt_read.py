"""Reading a 1 GiB checkpoint (16 x 4096^2 float32): tfmeta ckpt list / verify /
export against TensorFlow reading every tensor, and cp of the same bytes.

Page cache warm (each command runs once before it is timed); best of 5 runs.
"""
import os
import subprocess
import sys
import time
from pathlib import Path

from bench import best, best_time, clean, measure

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




def fresh(output, cmd):
    """Measures cmd after removing its output (replacing a 1 GiB file would time
    the old file's removal too)."""
    def run():
        clean(output)
        return measure(cmd)
    return run


def tfmeta(*args, output=work / "none"):
    """Fastest of 5 runs (after one to warm the page cache) and the largest peak RSS,
    both measured for the tfmeta process alone."""
    run = fresh(output, [TFMETA, *args])
    run()
    return best(run, 5)


def tf_read(prefix):
    reader = tf.train.load_checkpoint(str(prefix))
    for k in names:
        reader.get_tensor(k)


out = work / "out.safetensors"
data = work / "big_v2.data-00000-of-00001"
rows = [
    ("tfmeta ckpt list (V2)", *tfmeta("ckpt", "list", v2)),
    ("tfmeta ckpt verify (V2)", *tfmeta("ckpt", "verify", v2)),
    ("tfmeta ckpt verify (V1)", *tfmeta("ckpt", "verify", v1)),
    ("tfmeta ckpt export -> safetensors (V2)", *tfmeta("ckpt", "export", v2, out, output=out)),
    ("cp of the same 1 GiB", *best(fresh(work / "copy.bin", ["cp", data, work / "copy.bin"]), 5)),
    ("TensorFlow: read every tensor (V2, in process)", best_time(lambda: tf_read(v2), 3), None),
    ("TensorFlow: read every tensor (V1, in process)", best_time(lambda: tf_read(v1), 3), None),
]
for name, seconds, peak in rows:
    rss = f"{peak:6.0f} MB peak RSS" if peak is not None else ""
    print(f"{name:50s} {seconds * 1000:9.1f} ms  {rss}")
