"""The many-keys section (`--only many-keys`): per-key cost rather than bytes.

Inputs, made once with TensorFlow's SaveV2 under WORK (issue 17):
  * keys_100k: 100,000 float32[16] tensors (6.4 MB of data), one data file;
  * keys_1m: 1,000,000 float32[16] tensors (64 MB of data), one data file.
Keys look like a TF1 model's: `model/block_NNN/var_NNNN` (sorted order is the
index order).

Rows: tfmeta list, list --json, show of one key, verify, export (safetensors,
npz), rename (one rule) and migrate (V2 → V2) on each, beside TensorFlow doing
the same in process: `load_checkpoint` + shape map (list), `load_checkpoint` +
one `get_tensor` (show-one), `get_tensor` of every key (verify/export), and
`load_checkpoint` + SaveV2 of every tensor (rename/migrate; 100k only, the 1M
route takes minutes). TensorFlow checks the renamed and migrated outputs.
Then ckpt diff of the checkpoint with itself and ckpt stats, text and --json,
and `report` (the HTML page, with a histogram per tensor) (tfmeta only), and
meta from-ckpt (100k only; TensorFlow has no such op, and importing a graph of
100,000 variables takes it minutes: its protobuf parses the file and counts the
nodes instead).
"""
import subprocess
from pathlib import Path

from bench import TF_READ_ALL, clean, tensorflow

import os

# MGK_MANY_KEYS=100k runs one size only (the 1M inputs take minutes to make).
SIZES = [(label, n) for label, n in [("100k", 100_000), ("1m", 1_000_000)]
         if label in os.environ.get("MGK_MANY_KEYS", "100k,1m").split(",")]

MAKE = """
import os, sys
import numpy as np
import tensorflow as tf
prefix, n = sys.argv[1], int(sys.argv[2])
names = [f"model/block_{i // 1000:03d}/var_{i % 1000:04d}" for i in range(n)]
values = np.random.default_rng(0).standard_normal((n, 16), dtype=np.float32)
tf.raw_ops.SaveV2(prefix=prefix + ".partial", tensor_names=names, shape_and_slices=[""] * n,
                  tensors=tf.unstack(tf.constant(values)))
for suffix in (".index", ".data-00000-of-00001"):
    os.replace(prefix + ".partial" + suffix, prefix + suffix)
"""

META_COUNT = """
import sys
from tensorflow.core.protobuf import meta_graph_pb2
m = meta_graph_pb2.MetaGraphDef.FromString(open(sys.argv[1], "rb").read())
# Per variable: initializer, VarHandleOp, IsInitialized, Assign, Read, and the
# saver's Identity and AssignVariableOp; then the saver's 11 other nodes.
assert len(m.graph_def.node) == 7 * int(sys.argv[2]) + 11, len(m.graph_def.node)
assert len(m.collection_def["variables"].bytes_list.value) == int(sys.argv[2])
"""

NUMPY_COUNT = """
import sys
import numpy as np
with np.load(sys.argv[1]) as npz:
    assert len(npz.files) == int(sys.argv[2]), (len(npz.files), sys.argv[2])
"""

TF_SHAPE_MAP = """
def job(prefix):
    tf.train.load_checkpoint(prefix).get_variable_to_shape_map()
"""

TF_SHOW_ONE = """
def job(prefix, key):
    tf.train.load_checkpoint(prefix).get_tensor(key)
"""


TF_ROUTE = """
def job(src, dst, old, new):
    reader = tf.train.load_checkpoint(src)
    names = sorted(reader.get_variable_to_shape_map())
    tensors = [reader.get_tensor(n) for n in names]
    renamed = [new + n[len(old):] if old and n.startswith(old) else n for n in names]
    tf.raw_ops.SaveV2(prefix=dst, tensor_names=renamed, shape_and_slices=[""] * len(names), tensors=tensors)
"""


def inputs(suite):
    """The two checkpoints, made once (SaveV2 of n float32[16] in one call)."""
    out = []
    for label, n in SIZES:
        prefix = suite.path(f"keys_{label}")
        if not Path(f"{prefix}.index").exists():
            print(f"making {n:,} tensors with TensorFlow's SaveV2 (once)…", flush=True)
            subprocess.run([suite.python, "-c", MAKE, str(prefix), str(n)], check=True)
        out.append((label, n, prefix))
    return out


def run(suite):
    """Times every command on both key counts; records rows with the goals of issue 17."""
    tf_runs = max(1, min(suite.tf_runs, 2))
    for label, n, prefix in inputs(suite):
        small = n <= 100_000
        what = f"{n:,} × float32[16]"
        middle = f"model/block_{(n // 2) // 1000:03d}/var_{(n // 2) % 1000:04d}"
        read_all = suite.tf(TF_READ_ALL, prefix, runs=1 if not small else tf_runs)

        suite.row(f"ckpt list ({label} keys)", what, suite.ours("ckpt", "list", prefix),
                  tf=suite.tf(TF_SHAPE_MAP, prefix, runs=tf_runs),
                  goal=("≤ 100 ms, < 64 MB", lambda r: r["ours"].median <= 0.100 and r["ours"].peak_mb < 64)
                  if small else None,
                  note="TensorFlow: load_checkpoint + get_variable_to_shape_map" if small else "")
        suite.row(f"ckpt list --json ({label} keys)", what, suite.ours("ckpt", "list", prefix, "--json"),
                  goal=("< 64 MB", lambda r: r["ours"].peak_mb < 64) if small else None)
        suite.row(f"ckpt show of one key ({label} keys)", what, suite.ours("ckpt", "show", prefix, middle),
                  tf=suite.tf(TF_SHOW_ONE, prefix, middle, runs=tf_runs),
                  goal=("≤ 20 ms", lambda r: r["ours"].median <= 0.020),
                  note="TensorFlow: load_checkpoint + get_tensor of the key" if small else "")
        per_key = ("≤ 300 ms, < 64 MB, ≥ 10 × faster than TF",
                   lambda r: r["ours"].median <= 0.300 and r["ours"].peak_mb < 64
                   and r["tf"].median >= 10 * r["ours"].median)
        suite.row(f"ckpt verify ({label} keys)", what, suite.ours("ckpt", "verify", prefix), tf=read_all,
                  goal=per_key if small else ("≥ 10 × faster than TF", lambda r: r["tf"].median >= 10 * r["ours"].median),
                  note="TensorFlow: load_checkpoint + get_tensor of every key" if small else "")
        # npz: more than 65,535 members, so the zip carries ZIP64 end records;
        # numpy opens it and counts the members (the tensors and the note).
        for ext in ("safetensors", "npz"):
            out = suite.path(f"keys_out.{ext}")
            suite.row(f"ckpt export → {ext} ({label} keys)", what,
                      suite.ours("ckpt", "export", prefix, out, output=out), tf=read_all,
                      goal=per_key if small else None)
            if ext == "npz":
                subprocess.run([suite.python, "-c", NUMPY_COUNT, str(out), str(n + 1)], check=True)
            clean(out)
        dst = suite.path("keys_renamed")
        ours = suite.ours("ckpt", "rename", prefix, dst, "--rule", "^model/=>renamed/", output=dst)
        tf = None
        if small:
            tf_dst = suite.path("keys_tf_renamed")
            tf = suite.tf(TF_ROUTE, prefix, tf_dst, "model/", "renamed/", runs=1)
            clean(tf_dst)
            suite.check_checkpoint(prefix, dst, "model/", "renamed/")
        suite.row(f"ckpt rename ({label} keys)", what, ours, tf=tf,
                  goal=per_key if small else None,
                  note="TensorFlow: load_checkpoint + SaveV2 under the new names" if small else "")
        clean(dst)
        dst = suite.path("keys_migrated")
        ours = suite.ours("ckpt", "migrate", prefix, dst, output=dst)
        if small:
            suite.check_checkpoint(prefix, dst)
        suite.row(f"ckpt migrate V2 → V2 ({label} keys)", what, ours, tf=tf,
                  goal=per_key if small else None,
                  note="TensorFlow: the rename row's route (load_checkpoint + SaveV2 of every tensor)" if small else "")
        clean(dst)
        # diff and stats work from the compact index and stream their reports
        # (CheckpointDiff+Index.swift, CheckpointStats+Index.swift).
        lean = ("≤ 300 ms, < 64 MB", lambda r: r["ours"].median <= 0.300 and r["ours"].peak_mb < 64)
        suite.row(f"ckpt diff A A ({label} keys)", what, suite.ours("ckpt", "diff", prefix, prefix),
                  goal=lean if small else None)
        suite.row(f"ckpt diff A A --json ({label} keys)", what, suite.ours("ckpt", "diff", prefix, prefix, "--json"),
                  goal=lean if small else None)
        suite.row(f"ckpt stats ({label} keys)", what, suite.ours("ckpt", "stats", prefix),
                  goal=lean if small else None)
        suite.row(f"ckpt stats --json ({label} keys)", what, suite.ours("ckpt", "stats", prefix, "--json"),
                  goal=lean if small else None)
        # report: the HTML page (statistics with histograms, one row a tensor)
        # streamed into its file (HTMLReport.swift); no time goal in the issue.
        out = suite.path("keys_report.html")
        suite.row(f"report → HTML ({label} keys)", what, suite.ours("report", prefix, out, output=out),
                  goal=("< 64 MB", lambda r: r["ours"].peak_mb < 64) if small else None)
        clean(out)
        if small:
            # Encoded straight from the compact index and streamed (issue 17; was
            # built as text and parsed: 17 s, 760 MB).
            out = suite.path("keys_from_ckpt.meta")
            suite.row(f"meta from-ckpt ({label} keys)", what, suite.ours("meta", "from-ckpt", prefix, out, output=out),
                      goal=("< 64 MB", lambda r: r["ours"].peak_mb < 64),
                      note="no TensorFlow equivalent; its protobuf parses the output")
            subprocess.run([suite.python, "-c", META_COUNT, str(out), str(n)], check=True)
            clean(out)
        # merge of one 100,000-key part: the parts' compact indexes, no entry
        # objects (CheckpointMerge.swift); its index is the part's, byte for byte.
        dst = suite.path("keys_merged")
        suite.row(f"ckpt merge of one part ({label} keys)", what, suite.ours("ckpt", "merge", prefix, dst, output=dst),
                  goal=("< 64 MB", lambda r: r["ours"].peak_mb < 64) if small else None)
        clean(dst)
