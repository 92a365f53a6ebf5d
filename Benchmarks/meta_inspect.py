"""tfmeta meta inspect on a ~50 MB .meta vs TensorFlow's Python protobuf.

The graph: a few hundred thousand small nodes (constants and adds), exported by
TensorFlow's own export_meta_graph.
"""
import os
import subprocess
import sys
import time
from pathlib import Path

import tensorflow as tf
from tensorflow.core.protobuf import meta_graph_pb2

work = Path(sys.argv[1])
meta = work / "big_graph.meta"
TFMETA = os.environ["TFMETA"]

if not meta.exists():
    g = tf.Graph()
    with g.as_default():
        x = tf.constant(1.0, name="x")
        for i in range(300_000):
            x = tf.add(x, tf.constant(float(i), name=f"c{i}"), name=f"a{i}")
        tf.compat.v1.train.export_meta_graph(str(meta), graph=g)
size = meta.stat().st_size
print(f"input: {meta} ({size / 1e6:.1f} MB)")


def best(f, n=5):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def tf_inspect():
    m = meta_graph_pb2.MetaGraphDef()
    m.ParseFromString(meta.read_bytes())
    ops = {}
    for n in m.graph_def.node:
        ops[n.op] = ops.get(n.op, 0) + 1
    return len(m.graph_def.node), ops, {k: v.WhichOneof("kind") for k, v in m.collection_def.items()}


PEAK = [0]


def ours():
    # GNU time reports the child's own peak RSS (Python's ru_maxrss of children
    # would count the fork of this TensorFlow-sized process).
    p = subprocess.run(["/usr/bin/time", "-f", "%M", TFMETA, "meta", "inspect", str(meta), "--json"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    PEAK[0] = max(PEAK[0], int(p.stderr.strip().splitlines()[-1]))


t_tf = best(tf_inspect)
t_ours = best(ours)
print(f"TensorFlow protobuf parse + summary (in process): {t_tf:.3f} s")
print(f"tfmeta meta inspect --json (whole process):       {t_ours:.3f} s")
print(f"tfmeta peak RSS: {PEAK[0] / 1024:.0f} MB")
