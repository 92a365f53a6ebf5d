"""tfmeta meta inspect on a ~50 MB .meta vs TensorFlow's Python protobuf.

The graph: a few hundred thousand small nodes (constants and adds), exported by
TensorFlow's own export_meta_graph.
"""
import os
import subprocess
import sys
import time
from pathlib import Path

from bench import best, best_time, measure

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




def tf_inspect():
    m = meta_graph_pb2.MetaGraphDef()
    m.ParseFromString(meta.read_bytes())
    ops = {}
    for n in m.graph_def.node:
        ops[n.op] = ops.get(n.op, 0) + 1
    return len(m.graph_def.node), ops, {k: v.WhichOneof("kind") for k, v in m.collection_def.items()}


t_tf = best_time(tf_inspect)
measure([TFMETA, "meta", "inspect", meta, "--json"])  # warm the page cache
t_ours, peak = best(lambda: measure([TFMETA, "meta", "inspect", meta, "--json"]), 5)
print(f"TensorFlow protobuf parse + summary (in process): {t_tf:.3f} s")
print(f"tfmeta meta inspect --json (whole process):       {t_ours:.3f} s, peak RSS {peak:.0f} MB")
