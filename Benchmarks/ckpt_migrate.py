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
import time
from pathlib import Path

from bench import best, clean, measure

work = Path(sys.argv[1])
TFMETA = os.environ["TFMETA"]
src = work / "big_v1.ckpt"
N, D = 16, 4096

if not src.exists() or src.stat().st_size < N * D * D * 4:
    import numpy as np
    import tensorflow as tf
    rng = np.random.default_rng(0)
    names = [f"layer_{i:02d}/kernel" for i in range(N)]
    data = [tf.constant(rng.standard_normal((D, D), dtype=np.float32)) for _ in range(N)]
    tf.raw_ops.SaveSlices(filename=str(src), tensor_names=names, shapes_and_slices=[""] * N, data=data)
    del data
size = src.stat().st_size
print(f"input: {src} ({size / 2**30:.3f} GiB, {N} x float32[{D},{D}], V1)")

TF_ROUTE = r"""
import sys, time, resource
import tensorflow as tf
src, dst = sys.argv[1], sys.argv[2]
t = time.perf_counter()
reader = tf.train.load_checkpoint(src)
names = sorted(reader.get_variable_to_shape_map())
tensors = [reader.get_tensor(n) for n in names]
tf.raw_ops.SaveV2(prefix=dst, tensor_names=names, shape_and_slices=[""] * len(names), tensors=tensors)
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""





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


def run_tf():
    clean(tf_dst)
    out = subprocess.run([sys.executable, "-c", TF_ROUTE, str(src), str(tf_dst)], check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[-2]), int(out[-1]) / 1024


t_cp, m_cp = best(run_cp, 5)
t_us, m_us = best(run_tfmeta, 5)
t_tf, m_tf = best(run_tf, 2)

# The result must be right: TensorFlow reads the migrated checkpoint.
check = r"""
import sys, numpy as np, tensorflow as tf
a, b = tf.train.load_checkpoint(sys.argv[1]), tf.train.load_checkpoint(sys.argv[2])
for n in a.get_variable_to_shape_map():
    assert np.array_equal(a.get_tensor(n), b.get_tensor(n)), n
print("verified")
"""
print(subprocess.run([sys.executable, "-c", check, str(src), str(dst)], check=True, capture_output=True,
                     text=True).stdout.strip(), "(TensorFlow reads every migrated tensor equal to the V1 source)")

gib = size / 2**30
print(f"{'':34s} {'seconds':>8s} {'GiB/s':>7s} {'peak RSS MB':>12s}")
print(f"{'cp (same bytes)':34s} {t_cp:8.3f} {gib / t_cp:7.2f} {m_cp:12.0f}")
print(f"{'tfmeta ckpt migrate':34s} {t_us:8.3f} {gib / t_us:7.2f} {m_us:12.0f}")
print(f"{'TF load_checkpoint + SaveV2':34s} {t_tf:8.3f} {gib / t_tf:7.2f} {m_tf:12.0f}")
print(f"tfmeta / cp = {t_us / t_cp:.2f}x (goal <= 1.5x); TF / tfmeta = {t_tf / t_us:.1f}x (goal >= 5x); "
      f"tfmeta peak RSS {m_us:.0f} MB (goal <= 128 MB)")
for p in (dst, cp_dst, tf_dst):
    clean(p)
