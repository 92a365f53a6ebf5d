"""tfmeta ckpt migrate on a 1 GiB V1 checkpoint vs TensorFlow's route vs cp.

Input: 16 float32 tensors of 4096 x 4096 (64 MiB each) written by TensorFlow's
SaveSlices into one V1 file. Compared, each in a fresh process with its peak RSS:

* `tfmeta ckpt migrate SRC DST` (release build);
* TensorFlow: `tf.train.load_checkpoint` + `tf.raw_ops.SaveV2` of every tensor
  (time measured inside the process, after `import tensorflow`);
* `cp` of the same file (the floor: reading and writing the same bytes).

All runs read from the page cache (the input is read once before timing); the
best of several runs is reported.
"""
import os
import subprocess
import sys
from pathlib import Path

from bench import best, big_tensors, clean, measure, print_comparison, tf_check, tf_route

work = Path(sys.argv[1])
TFMETA = os.environ["TFMETA"]
src = work / "big_v1.ckpt"
N, D = 16, 4096

if not src.exists() or src.stat().st_size < N * D * D * 4:
    import tensorflow as tf
    names = [f"layer_{i:02d}/kernel" for i in range(N)]
    tf.raw_ops.SaveSlices(filename=str(src), tensor_names=names, shapes_and_slices=[""] * N, data=big_tensors(N, D))
size = src.stat().st_size
print(f"input: {src} ({size / 2**30:.3f} GiB, {N} x float32[{D},{D}], V1)")

subprocess.run(["cat", str(src)], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
dst = work / "migrated"
cp_dst = work / "copy.ckpt"
tf_dst = work / "tf_route"


def run_cp():
    clean(cp_dst)
    return measure(["cp", str(src), str(cp_dst)])


def run_tfmeta():
    clean(dst)
    return measure([TFMETA, "ckpt", "migrate", str(src), str(dst)])


t_cp, m_cp = best(run_cp, 5)
t_us, m_us = best(run_tfmeta, 5)
t_tf, m_tf = best(lambda: tf_route(src, tf_dst), 2)
print(tf_check(src, dst), "(TensorFlow reads every migrated tensor equal to the V1 source)")

print_comparison(size / 2**30, [("cp (same bytes)", t_cp, m_cp), ("tfmeta ckpt migrate", t_us, m_us),
                                ("TF load_checkpoint + SaveV2", t_tf, m_tf)])
print(f"tfmeta / cp = {t_us / t_cp:.2f}x (goal <= 1.5x); TF / tfmeta = {t_tf / t_us:.1f}x (goal >= 5x); "
      f"tfmeta peak RSS {m_us:.0f} MB (goal <= 128 MB)")
for p in (dst, cp_dst, tf_dst):
    clean(p)
