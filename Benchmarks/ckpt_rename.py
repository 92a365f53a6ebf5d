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

from bench import best, clean, measure

work = Path(sys.argv[1])
TFMETA = os.environ["TFMETA"]
src = work / "big_v2"
N, D = 16, 4096
data_file = Path(str(src) + ".data-00000-of-00001")

if not data_file.exists() or data_file.stat().st_size < N * D * D * 4:
    import numpy as np
    import tensorflow as tf
    rng = np.random.default_rng(0)
    names = [f"old/layer_{i:02d}/kernel" for i in range(N)]
    data = [tf.constant(rng.standard_normal((D, D), dtype=np.float32)) for _ in range(N)]
    tf.raw_ops.SaveV2(prefix=str(src), tensor_names=names, shape_and_slices=[""] * N, tensors=data)
    del data
size = data_file.stat().st_size + Path(str(src) + ".index").stat().st_size
print(f"input: {src} ({size / 2**30:.3f} GiB, {N} x float32[{D},{D}], V2)")

TF_ROUTE = r"""
import sys, time, resource
import tensorflow as tf
src, dst = sys.argv[1], sys.argv[2]
t = time.perf_counter()
reader = tf.train.load_checkpoint(src)
names = sorted(reader.get_variable_to_shape_map())
tensors = [reader.get_tensor(n) for n in names]
new = ["new/" + n[len("old/"):] for n in names]
tf.raw_ops.SaveV2(prefix=dst, tensor_names=new, shape_and_slices=[""] * len(names), tensors=tensors)
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def clean(prefix):
    for f in work.glob(prefix.name + ".*"):
        f.unlink()




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


def run_tf():
    clean(tf_dst)
    out = subprocess.run([sys.executable, "-c", TF_ROUTE, str(src), str(tf_dst)], check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[-2]), int(out[-1]) / 1024


t_cp, m_cp = best(run_cp, 5)
t_us, m_us = best(run_tfmeta, 5)
t_tf, m_tf = best(run_tf, 2)

# The result must be right: TensorFlow reads every renamed tensor equal to the source.
check = r"""
import sys, numpy as np, tensorflow as tf
a, b = tf.train.load_checkpoint(sys.argv[1]), tf.train.load_checkpoint(sys.argv[2])
names = sorted(a.get_variable_to_shape_map())
assert sorted(b.get_variable_to_shape_map()) == ["new/" + n[4:] for n in names]
for n in names:
    assert np.array_equal(a.get_tensor(n), b.get_tensor("new/" + n[4:])), n
print("verified")
"""
print(subprocess.run([sys.executable, "-c", check, str(src), str(dst)], check=True, capture_output=True,
                     text=True).stdout.strip(), "(TensorFlow reads every renamed tensor equal to the source)")

gib = size / 2**30
print(f"{'':34s} {'seconds':>8s} {'GiB/s':>7s} {'peak RSS MB':>12s}")
print(f"{'cp (same bytes)':34s} {t_cp:8.3f} {gib / t_cp:7.2f} {m_cp:12.0f}")
print(f"{'tfmeta ckpt rename':34s} {t_us:8.3f} {gib / t_us:7.2f} {m_us:12.0f}")
print(f"{'TF load_checkpoint + SaveV2':34s} {t_tf:8.3f} {gib / t_tf:7.2f} {m_tf:12.0f}")
print(f"tfmeta / cp = {t_us / t_cp:.2f}x (goal: about 1x); TF / tfmeta = {t_tf / t_us:.1f}x")
for p in (dst, cp_dst, tf_dst):
    clean(p)
