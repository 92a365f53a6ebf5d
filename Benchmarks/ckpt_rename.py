"""tfmeta ckpt rename on a 1 GiB V2 checkpoint vs TensorFlow's route vs cp.

Input: 16 float32 tensors of 4096 x 4096 (64 MiB each) under `old/layer_NN/kernel`,
written by TensorFlow's SaveV2 into one V2 bundle. Renamed to `new/…`. Compared,
each in a fresh process with its peak RSS:

* `tfmeta ckpt rename SRC DST --rule '^old/=>new/'` (release build; payloads
  copied as stored, every checksum re-checked);
* TensorFlow: `tf.train.load_checkpoint` + `tf.raw_ops.SaveV2` of every tensor
  under its new name (time measured inside the process, after `import tensorflow`);
* `cp` of the bundle's two files (the floor: reading and writing the same bytes).

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
src = work / "big_v2"
N, D = 16, 4096
data_file = Path(str(src) + ".data-00000-of-00001")

if not data_file.exists() or data_file.stat().st_size < N * D * D * 4:
    import tensorflow as tf
    names = [f"old/layer_{i:02d}/kernel" for i in range(N)]
    tf.raw_ops.SaveV2(prefix=str(src), tensor_names=names, shape_and_slices=[""] * N, tensors=big_tensors(N, D))
size = data_file.stat().st_size + Path(str(src) + ".index").stat().st_size
print(f"input: {src} ({size / 2**30:.3f} GiB, {N} x float32[{D},{D}], V2)")

subprocess.run(["cat", str(data_file)], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
dst = work / "renamed"
cp_dst = work / "copy_v2"
tf_dst = work / "tf_renamed"


def run_cp():
    clean(cp_dst)
    return measure(["sh", "-c", f'cp "{data_file}" "{cp_dst}.data-00000-of-00001" && cp "{src}.index" "{cp_dst}.index"'])


def run_tfmeta():
    clean(dst)
    return measure([TFMETA, "ckpt", "rename", str(src), str(dst), "--rule", "^old/=>new/"])


t_cp, m_cp = best(run_cp, 5)
t_us, m_us = best(run_tfmeta, 5)
t_tf, m_tf = best(lambda: tf_route(src, tf_dst, "old/", "new/"), 2)
print(tf_check(src, dst, "old/", "new/"), "(TensorFlow reads every renamed tensor equal to the source)")

print_comparison(size / 2**30, [("cp (same bytes)", t_cp, m_cp), ("tfmeta ckpt rename", t_us, m_us),
                                ("TF load_checkpoint + SaveV2", t_tf, m_tf)])
print(f"tfmeta / cp = {t_us / t_cp:.2f}x (goal: about 1x); TF / tfmeta = {t_tf / t_us:.1f}x")
for p in (dst, cp_dst, tf_dst):
    clean(p)
