"""The benchmark suite: tfmeta against TensorFlow 2.21 and against cp/cat (the
floor: moving the same bytes) on the same files, in one run.

Usage (through Benchmarks/run, which builds tfmeta in release mode and finds
TensorFlow's virtual environment):

    suite.py WORK [--runs N] [--only NAME ...] [--report FILE]

Inputs, made once with TensorFlow under WORK (ignored by git):
  * v1_1gib: 16 x float32[4096,4096] (1 GiB) written by SaveSlices (V1);
  * v2_1gib: the same tensors written by SaveV2 (V2), keys `model/layer_NN/kernel`;
  * graph_300k.meta: a ~44 MB MetaGraphDef of 300k nodes from export_meta_graph;
  * keras_template.weights.h5: what Keras 3 writes for 16 Dense(4096, no bias)
    layers (the template of `ckpt to-keras`);
  * v2_1gib_8shards: v2_1gib's tensors in 8 data files, as TensorFlow's sharded
    savers write them (SaveV2 per shard, then MergeV2Checkpoints), for `shards`.

Every command runs once to warm the page cache, then N times; the report gives
the median (and the range) of the wall times, and the largest peak RSS. tfmeta
and the floor run as child processes, timed whole. TensorFlow's side runs in a
fresh Python process: `import tensorflow` is timed apart, then the same job is
run once to warm up and N times, each timed in process (so TensorFlow is not
charged for its import in the ratios), and the peak RSS is that process's.

Outputs are checked, not only timed: TensorFlow reads back every tensor of the
migrated and renamed checkpoints, and the text tfmeta writes for the .meta is
compared with the text TensorFlow's protobuf writes.
"""
import argparse
import datetime
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

import many_keys
import python_section
from bench import TF_READ_ALL, clean, repeat, tensorflow

N, D = 16, 4096
GIB = N * D * D * 4 / 2**30


class Suite:
    def __init__(self, work: Path, runs: int, tf_runs: int):
        self.work = work
        self.runs = runs
        self.tf_runs = tf_runs
        self.tfmeta = os.environ["TFMETA"]
        self.python = sys.executable
        self.rows = []
        self.tf_import = []
        self.python_section = None

    # ---- inputs ---------------------------------------------------------------

    def path(self, name):
        return self.work / name

    def make_inputs(self, with_meta=True):
        """Makes the inputs with TensorFlow in a child process (this process stays
        small: its children's peak RSS must be theirs alone); the .meta only
        `with_meta` (the python section alone does not need it)."""
        v1, v2, meta = self.path("v1_1gib"), self.path("v2_1gib"), self.path("graph_300k.meta")
        if not v1.exists() or not Path(f"{v2}.index").exists() or (with_meta and not meta.exists()):
            print("making the inputs with TensorFlow (once)…", flush=True)
            subprocess.run([self.python, "-c", MAKE_INPUTS, str(v1), str(v2), str(meta) if with_meta else "",
                            str(N), str(D)], check=True)
        return v1, v2, meta

    # ---- running one comparison -----------------------------------------------

    def row(self, name, what, ours, floor=None, tf=None, goal=None, note=""):
        """Records a row; `ours`, `floor` and `tf` are Results (or None); `goal`
        is (text, predicate over the row) or None."""
        row = {"name": name, "what": what, "ours": ours, "floor": floor, "tf": tf, "note": note}
        row["goal"] = goal[0] if goal else ""
        row["met"] = goal[1](row) if goal else None
        self.rows.append(row)
        floor_s = f"floor {seconds(floor.median)}" if floor else ""
        tf_s = f"TF {seconds(tf.median)}" if tf else ""
        verdict = {True: "goal met", False: "GOAL MISSED", None: ""}[row["met"]]
        print(f"{name:34s} {seconds(ours.median):>9s} {ours.peak_mb:6.0f} MB   {floor_s:16s} {tf_s:14s} {verdict}",
              flush=True)

    def ours(self, *args, output=None):
        before = (lambda: clean(output)) if output else None
        return repeat([self.tfmeta, *args], self.runs, before)

    def floor(self, shell, output=None):
        before = (lambda: clean(output)) if output else None
        return repeat(["sh", "-c", shell], self.runs, before)

    def tf(self, job, *args, runs=None):
        result, import_s = tensorflow(self.python, job, runs or self.tf_runs, *args)
        self.tf_import.append(import_s)
        return result

    # ---- the comparisons --------------------------------------------------------

    def checkpoints(self, v1, v2, only):
        data = f"{v2}.data-00000-of-00001"
        out = self.path("out")

        if "list" in only:
            self.row("ckpt list (V2)", "read the index, list 16 entries", self.ours("ckpt", "list", v2),
                     tf=self.tf(TF_LIST, v2),
                     goal=("≤ 20 ms", lambda r: r["ours"].median <= 0.020))
            self.row("ckpt list (V1)", "read the table, list 16 entries", self.ours("ckpt", "list", v1),
                     tf=self.tf(TF_LIST, v1))

        if "verify" in only:
            self.row("ckpt verify (V2)", "read and checksum 1 GiB", self.ours("ckpt", "verify", v2),
                     floor=self.floor(f"cat '{data}' >/dev/null"), tf=self.tf(TF_READ_ALL, v2),
                     goal=("≤ 0.25 s", lambda r: r["ours"].median <= 0.25),
                     note="TensorFlow: load_checkpoint + get_tensor of every tensor (checks each CRC)")
            self.row("ckpt verify (V1)", "read and checksum 1 GiB", self.ours("ckpt", "verify", v1),
                     floor=self.floor(f"cat '{v1}' >/dev/null"), tf=self.tf(TF_READ_ALL, v1),
                     goal=("faster than TensorFlow", lambda r: r["ours"].median < r["tf"].median))

        if "export" in only:
            st = self.path("out.safetensors")
            self.row("ckpt export → safetensors (V2)", "read, checksum, write 1 GiB",
                     self.ours("ckpt", "export", v2, st, output=st),
                     floor=self.floor(f"cp '{data}' '{out}.copy'", output=Path(f"{out}.copy")),
                     tf=self.tf(TF_READ_ALL, v2),
                     goal=("≤ 1.5 × cp", lambda r: r["ours"].median <= 1.5 * r["floor"].median),
                     note="TensorFlow only reads every tensor (it has no safetensors writer)")
            self.row("ckpt export → safetensors (V1)", "read, checksum, write 1 GiB",
                     self.ours("ckpt", "export", v1, st, output=st),
                     floor=self.floor(f"cp '{v1}' '{out}.copy'", output=Path(f"{out}.copy")),
                     tf=self.tf(TF_READ_ALL, v1), note="TensorFlow only reads every tensor")
            npz = self.path("out.npz")
            self.row("ckpt export → npz (V2)", "read, checksum, write 1 GiB",
                     self.ours("ckpt", "export", v2, npz, output=npz),
                     floor=self.floor(f"cp '{data}' '{out}.copy'", output=Path(f"{out}.copy")),
                     tf=self.tf(TF_TO_NPZ, v2, self.path("tf.npz")),
                     note="TensorFlow: read every tensor, numpy.savez")
            clean(st), clean(npz), clean(self.path("tf.npz")), clean(Path(f"{out}.copy"))

        if "migrate" in only:
            dst, tf_dst = self.path("migrated"), self.path("tf_migrated")
            ours = self.ours("ckpt", "migrate", v1, dst, output=dst)
            tf = self.tf(TF_ROUTE, v1, tf_dst, "", "")
            self.check_checkpoint(v1, dst)
            self.row("ckpt migrate (V1 → V2)", "read, checksum, write 1 GiB", ours,
                     floor=self.floor(f"cp '{v1}' '{out}.copy'", output=Path(f"{out}.copy")), tf=tf,
                     goal=("≤ 1.5 × cp, ≥ 5 × faster than TF, ≤ 128 MB",
                           lambda r: r["ours"].median <= 1.5 * r["floor"].median
                           and r["tf"].median >= 5 * r["ours"].median and r["ours"].peak_mb <= 128),
                     note="TensorFlow: load_checkpoint + SaveV2 of every tensor")
            clean(dst), clean(tf_dst), clean(Path(f"{out}.copy"))

        if "rename" in only:
            dst, tf_dst = self.path("renamed"), self.path("tf_renamed")
            ours = self.ours("ckpt", "rename", v2, dst, "--rule", "^model/=>renamed/", output=dst)
            tf = self.tf(TF_ROUTE, v2, tf_dst, "model/", "renamed/")
            self.check_checkpoint(v2, dst, "model/", "renamed/")
            copy = self.path("copy_v2")
            self.row("ckpt rename (V2)", "rename 16 keys, copy 1 GiB", ours,
                     floor=self.floor(f"cp '{data}' '{copy}.data-00000-of-00001' && cp '{v2}.index' '{copy}.index'",
                                      output=copy), tf=tf,
                     goal=("about cp (≤ 1.25 × cp)", lambda r: r["ours"].median <= 1.25 * r["floor"].median),
                     note="TensorFlow: load_checkpoint + SaveV2 under the new names")
            clean(dst), clean(tf_dst), clean(copy)

        if "to-keras" in only:
            # The template: what a Keras 3 model of 16 Dense(4096) layers writes.
            template, dst, tf_dst = self.path("keras_template.weights.h5"), self.path("out.weights.h5"), \
                self.path("tf_out.weights.h5")
            if not template.exists():
                tensorflow(self.python, TF_KERAS_TEMPLATE, 0, template, N, D)
            ours = self.ours("ckpt", "to-keras", v2, "--template", template, dst, output=dst)
            tf = self.tf(TF_KERAS_ROUTE, v2, tf_dst, N, D)
            tensorflow(self.python, TF_KERAS_CHECK, 0, v2, dst, N)
            self.row("ckpt to-keras (V2 → .weights.h5)", "match 16 layers, write 1 GiB", ours,
                     floor=self.floor(f"cp '{data}' '{out}.copy'", output=Path(f"{out}.copy")), tf=tf,
                     goal=("≤ 1.5 × cp, ≤ 128 MB",
                           lambda r: r["ours"].median <= 1.5 * r["floor"].median and r["ours"].peak_mb <= 128),
                     note="Keras route: load_checkpoint, set_weights, save_weights")
            clean(dst), clean(tf_dst), clean(Path(f"{out}.copy"))

    def questions(self, v1, v2, only):
        """diff and stats: what a user asks of two checkpoints or one, against the
        script they write today (load_checkpoint + numpy)."""
        data = f"{v2}.data-00000-of-00001"
        ulp = self.path("v2_1gib_ulp")
        if "diff" in only:
            if not Path(f"{ulp}.index").exists():
                tensorflow(self.python, TF_MAKE_ULP, 0, v2, ulp)
            self.row("ckpt diff (V2 vs V2, every value 1 ULP off)", "compare 2 × 1 GiB element by element",
                     self.ours("ckpt", "diff", v2, ulp),
                     floor=self.floor(f"cat '{data}' '{ulp}.data-00000-of-00001' >/dev/null"), tf=self.tf(TF_DIFF, v2, ulp),
                     goal=("≤ 2 × cat of both", lambda r: r["ours"].median <= 2 * r["floor"].median),
                     note="TensorFlow: load_checkpoint of both, numpy |a - b| max/argmax/mean and allclose per tensor")
            self.row("ckpt diff (V1 vs its V2)", "compare 2 × 1 GiB, identical values",
                     self.ours("ckpt", "diff", v1, v2),
                     floor=self.floor(f"cat '{v1}' '{data}' >/dev/null"), tf=self.tf(TF_DIFF, v1, v2),
                     goal=("≤ 2 × cat of both", lambda r: r["ours"].median <= 2 * r["floor"].median))
        if "stats" in only:
            verify = self.ours("ckpt", "verify", v2)
            self.row("ckpt stats (V2)", "min/max/mean/std/NaN/Inf/zeros of 1 GiB", self.ours("ckpt", "stats", v2, "--quiet"),
                     floor=verify, tf=self.tf(TF_STATS, v2),
                     goal=("≤ 2 × ckpt verify", lambda r: r["ours"].median <= 2 * r["floor"].median),
                     note="floor: tfmeta ckpt verify; TensorFlow: load_checkpoint + numpy per tensor")

    def shards(self, v1, v2, only):
        """The 8-shard section: the same 1 GiB in 8 data files, verified, exported and
        migrated on one thread (--jobs 1, the serial path) and on every core, next to
        the single-file figures and to TensorFlow."""
        if "shards" not in only:
            return
        sharded = self.path("v2_1gib_8shards")
        if not Path(f"{sharded}.index").exists():
            print("making the 8-shard checkpoint with TensorFlow (once)…", flush=True)
            tensorflow(self.python, TF_MAKE_SHARDED, 0, v2, sharded, 8)
        data = sorted(str(p) for p in self.work.glob("v2_1gib_8shards.data-*"))
        single = f"{v2}.data-00000-of-00001"
        cat8 = "cat " + " ".join(f"'{d}'" for d in data) + " >/dev/null"
        within = lambda base: ("≤ 1.2 × single file", lambda r: r["ours"].median <= 1.2 * base.median)
        out = self.path("out")
        # TFMETA_BEFORE: a tfmeta built before the change, for "before" rows of the same commands.
        before = os.environ.get("TFMETA_BEFORE")
        if before:
            for label, args, output in [
                ("verify, 1 file", ("ckpt", "verify", v2), None),
                ("verify, 8 files", ("ckpt", "verify", sharded), None),
                ("export → safetensors, 1 file", ("ckpt", "export", v2, self.path("out.safetensors")), self.path("out.safetensors")),
                ("export → safetensors, 8 files", ("ckpt", "export", sharded, self.path("out.safetensors")), self.path("out.safetensors")),
                ("migrate V1 → V2, 1 file", ("ckpt", "migrate", v1, self.path("migrated")), self.path("migrated")),
                ("migrate V2 → V2, 1 file", ("ckpt", "migrate", v2, self.path("migrated")), self.path("migrated")),
                ("migrate 8 files → 1", ("ckpt", "migrate", sharded, self.path("migrated")), self.path("migrated")),
                ("migrate 8 files → 8", ("ckpt", "migrate", sharded, self.path("migrated"), "--shards", "8"), self.path("migrated")),
            ]:
                result = repeat([before, *args], self.runs, (lambda o=output: clean(o)) if output else None)
                self.row(f"shards (before): {label}", "tfmeta before the change", result)
                if output:
                    clean(output)

        verify1 = self.ours("ckpt", "verify", v2)
        self.row("shards: verify, 1 file", "read and checksum 1 GiB", verify1,
                 floor=self.floor(f"cat '{single}' >/dev/null"))
        self.row("shards: verify, 8 files, --jobs 1", "read and checksum 1 GiB", self.ours("ckpt", "verify", sharded, "--jobs", "1"),
                 floor=self.floor(cat8), note="one thread: the serial path")
        self.row("shards: verify, 8 files", "read and checksum 1 GiB", self.ours("ckpt", "verify", sharded),
                 floor=self.floor(cat8), tf=self.tf(TF_READ_ALL, sharded), goal=within(verify1),
                 note="every core; TensorFlow: load_checkpoint + get_tensor of every tensor")

        st = self.path("out.safetensors")
        export1 = self.ours("ckpt", "export", v2, st, output=st)
        self.row("shards: export → safetensors, 1 file", "read, checksum, write 1 GiB", export1,
                 floor=self.floor(f"cp '{single}' '{out}.copy'", output=Path(f"{out}.copy")))
        self.row("shards: export → safetensors, 8 files", "read, checksum, write 1 GiB",
                 self.ours("ckpt", "export", sharded, st, output=st),
                 floor=self.floor(f"cat {' '.join(repr(d) for d in data)} > '{out}.copy'", output=Path(f"{out}.copy")),
                 tf=self.tf(TF_READ_ALL, sharded), goal=within(export1),
                 note="export checks CRCs on other cores while the kernel copies; TensorFlow only reads every tensor")
        clean(st), clean(Path(f"{out}.copy"))

        dst, tf_dst = self.path("migrated"), self.path("tf_migrated")
        migrate_v1 = self.ours("ckpt", "migrate", v1, dst, output=dst)
        self.row("shards: migrate V1 → V2, 1 file", "read, checksum, write 1 GiB (the 1 GiB migrate row)", migrate_v1,
                 floor=self.floor(f"cp '{v1}' '{out}.copy'", output=Path(f"{out}.copy")))
        migrate1_serial = self.ours("ckpt", "migrate", v2, dst, "--jobs", "1", output=dst)
        self.row("shards: migrate V2 → V2, 1 file, --jobs 1", "read, checksum, write 1 GiB", migrate1_serial,
                 floor=self.floor(f"cp '{single}' '{out}.copy'", output=Path(f"{out}.copy")), note="one thread: the serial path")
        migrate1 = self.ours("ckpt", "migrate", v2, dst, output=dst)
        self.row("shards: migrate V2 → V2, 1 file", "read, checksum, write 1 GiB", migrate1,
                 floor=self.floor(f"cp '{single}' '{out}.copy'", output=Path(f"{out}.copy")))
        self.row("shards: migrate 8 files → 1, --jobs 1", "read, checksum, write 1 GiB",
                 self.ours("ckpt", "migrate", sharded, dst, "--jobs", "1", output=dst),
                 floor=self.floor(f"cat {' '.join(repr(d) for d in data)} > '{out}.copy'", output=Path(f"{out}.copy")),
                 note="one thread: the serial path")
        ours = self.ours("ckpt", "migrate", sharded, dst, output=dst)
        self.check_checkpoint(sharded, dst)
        self.row("shards: migrate 8 files → 1", "read, checksum, write 1 GiB", ours,
                 floor=self.floor(f"cat {' '.join(repr(d) for d in data)} > '{out}.copy'", output=Path(f"{out}.copy")),
                 tf=self.tf(TF_ROUTE, sharded, tf_dst, "", ""),
                 goal=("≤ 1.2 × single file (V1 → V2 row)", lambda r: r["ours"].median <= 1.2 * migrate_v1.median),
                 note="every core; TensorFlow: load_checkpoint + SaveV2 of every tensor")
        ours8 = self.ours("ckpt", "migrate", sharded, dst, "--shards", "8", output=dst)
        self.check_checkpoint(sharded, dst)
        self.row("shards: migrate 8 files → 8", "read, checksum, write 1 GiB", ours8,
                 goal=("≤ 1.2 × single file (V1 → V2 row)", lambda r: r["ours"].median <= 1.2 * migrate_v1.median))
        clean(dst), clean(tf_dst), clean(Path(f"{out}.copy"))

    def check_checkpoint(self, src, dst, old="", new=""):
        """TensorFlow reads every tensor of dst equal to src's (old prefix → new)."""
        tensorflow(self.python, TF_CHECK, 0, src, dst, old, new)

    def meta(self, meta, only):
        if "inspect" in only:
            self.row("meta inspect --json", f"{meta.stat().st_size / 1e6:.1f} MB .meta, 300k nodes",
                     self.ours("meta", "inspect", meta, "--json"), tf=self.tf(TF_INSPECT, meta),
                     goal=("< 1 s", lambda r: r["ours"].median < 1.0),
                     note="TensorFlow: MetaGraphDef.ParseFromString + op counts and collection kinds")
        if "convert" in only:
            text, tf_text = self.path("graph.pbtxt"), self.path("tf_graph.pbtxt")
            self.row("meta convert binary → text", "parse, print 300k nodes",
                     self.ours("meta", "convert", meta, text, output=text),
                     tf=self.tf(TF_TO_TEXT, meta, tf_text, runs=min(self.tf_runs, 2)),
                     note="TensorFlow: ParseFromString + text_format.MessageToString")
            if text.read_bytes() != tf_text.read_bytes():
                raise SystemExit("tfmeta's text of the .meta differs from TensorFlow's")
            binary, tf_binary = self.path("graph.meta"), self.path("tf_graph.meta")
            self.row("meta convert text → binary", f"parse {text.stat().st_size / 1e6:.0f} MB of text",
                     self.ours("meta", "convert", text, binary, output=binary),
                     tf=self.tf(TF_TO_BINARY, text, tf_binary, runs=1),
                     note="TensorFlow: text_format.Parse + SerializeToString")
            tensorflow(self.python, TF_SAME_MESSAGE, 0, binary, meta)
            for p in (text, tf_text, binary, tf_binary):
                clean(p)


MAKE_INPUTS = """
import os, sys
import numpy as np
import tensorflow as tf
v1, v2, meta = sys.argv[1:4]
n, d = int(sys.argv[4]), int(sys.argv[5])
names = [f"model/layer_{i:02d}/kernel" for i in range(n)]
if not os.path.exists(v1) or not os.path.exists(v2 + ".index"):
    rng = np.random.default_rng(0)
    tensors = [tf.constant(rng.standard_normal((d, d), dtype=np.float32)) for _ in range(n)]
    tf.raw_ops.SaveSlices(filename=v1 + ".partial", tensor_names=names, shapes_and_slices=[""] * n, data=tensors)
    os.replace(v1 + ".partial", v1)
    tf.raw_ops.SaveV2(prefix=v2, tensor_names=names, shape_and_slices=[""] * n, tensors=tensors)
if meta and not os.path.exists(meta):
    g = tf.Graph()
    with g.as_default():
        x = tf.constant(1.0, name="x")
        for i in range(300_000):
            x = tf.add(x, tf.constant(float(i), name=f"c{i}"), name=f"a{i}")
        tf.compat.v1.train.export_meta_graph(meta + ".partial", graph=g)
    os.replace(meta + ".partial", meta)
"""

# ---- TensorFlow's side of each comparison (run by bench.tensorflow) -------------

TF_LIST = """
def job(prefix):
    tf.train.list_variables(prefix)
"""


TF_TO_NPZ = """
def job(prefix, out):
    reader = tf.train.load_checkpoint(prefix)
    np.savez(out, **{n: reader.get_tensor(n) for n in reader.get_variable_to_shape_map()})
"""

TF_ROUTE = """
def job(src, dst, old, new):
    reader = tf.train.load_checkpoint(src)
    names = sorted(reader.get_variable_to_shape_map())
    tensors = [reader.get_tensor(n) for n in names]
    renamed = [new + n[len(old):] if old and n.startswith(old) else n for n in names]
    tf.raw_ops.SaveV2(prefix=dst, tensor_names=renamed, shape_and_slices=[""] * len(names), tensors=tensors)
"""

TF_KERAS_MODEL = """
import keras
def model(n, d):
    return keras.Sequential([keras.Input((d,))] + [keras.layers.Dense(d, use_bias=False) for _ in range(n)])
"""

TF_KERAS_TEMPLATE = TF_KERAS_MODEL + """
def job(path, n, d):
    model(int(n), int(d)).save_weights(path)
"""

TF_KERAS_ROUTE = TF_KERAS_MODEL + """
import os
def job(src, dst, n, d):
    reader = tf.train.load_checkpoint(src)
    m = model(int(n), int(d))
    m.set_weights([reader.get_tensor(f"model/layer_{i:02d}/kernel") for i in range(int(n))])
    if os.path.exists(dst):
        os.remove(dst)
    m.save_weights(dst)
"""

TF_KERAS_CHECK = TF_KERAS_MODEL + """
import h5py
def job(src, dst, n):
    reader = tf.train.load_checkpoint(src)
    with h5py.File(dst, "r") as f:
        for i in range(int(n)):
            path = "layers/dense" + (f"_{i}" if i else "") + "/vars/0"
            assert np.array_equal(f[path][()], reader.get_tensor(f"model/layer_{i:02d}/kernel")), path
"""

TF_CHECK = """
def job(src, dst, old, new):
    a, b = tf.train.load_checkpoint(src), tf.train.load_checkpoint(dst)
    names = sorted(a.get_variable_to_shape_map())
    renamed = [new + n[len(old):] if old and n.startswith(old) else n for n in names]
    assert sorted(b.get_variable_to_shape_map()) == sorted(renamed)
    for n, m in zip(names, renamed):
        assert np.array_equal(a.get_tensor(n), b.get_tensor(m)), n
"""

TF_MAKE_SHARDED = """
import os, shutil, uuid
def job(src, dst, shards):
    # As TensorFlow's sharded savers do: SaveV2 of each shard's tensors into a
    # temporary folder, then MergeV2Checkpoints (data files renamed, one index).
    shards = int(shards)
    reader = tf.train.load_checkpoint(src)
    names = sorted(reader.get_variable_to_shape_map())
    temp = f"{dst}_temp_{uuid.uuid4().hex}"
    os.makedirs(temp)
    parts = []
    for s in range(shards):
        mine = names[s::shards]
        part = os.path.join(temp, f"part-{s:05d}-of-{shards:05d}")
        tf.raw_ops.SaveV2(prefix=part, tensor_names=mine, shape_and_slices=[""] * len(mine),
                          tensors=[reader.get_tensor(n) for n in mine])
        parts.append(part)
    tf.raw_ops.MergeV2Checkpoints(checkpoint_prefixes=parts, destination_prefix=dst, delete_old_dirs=True)
    shutil.rmtree(temp, ignore_errors=True)
"""

TF_MAKE_ULP = """
def job(src, dst):
    reader = tf.train.load_checkpoint(src)
    names = sorted(reader.get_variable_to_shape_map())
    tensors = [np.nextafter(reader.get_tensor(n), np.float32(np.inf)) for n in names]
    tf.raw_ops.SaveV2(prefix=dst, tensor_names=names, shape_and_slices=[""] * len(names), tensors=tensors)
"""

TF_DIFF = """
def job(a, b):
    ra, rb = tf.train.load_checkpoint(a), tf.train.load_checkpoint(b)
    for n in sorted(ra.get_variable_to_shape_map()):
        x, y = ra.get_tensor(n), rb.get_tensor(n)
        d = np.abs(x.astype(np.float64) - y)
        at = np.unravel_index(np.argmax(d), d.shape)
        d.max(), d.mean(), np.allclose(x, y, equal_nan=True), np.array_equal(x, y)
"""

TF_STATS = """
def job(prefix):
    reader = tf.train.load_checkpoint(prefix)
    for n in sorted(reader.get_variable_to_shape_map()):
        a = reader.get_tensor(n)
        finite = a[np.isfinite(a)].astype(np.float64)
        finite.min(), finite.max(), finite.mean(), finite.std()
        np.isnan(a).sum(), np.isposinf(a).sum(), np.isneginf(a).sum(), (a == 0).sum()
"""

TF_INSPECT = """
import collections
from tensorflow.core.protobuf import meta_graph_pb2
def job(path):
    m = meta_graph_pb2.MetaGraphDef()
    with open(path, "rb") as f:
        m.ParseFromString(f.read())
    ops = collections.Counter(n.op for n in m.graph_def.node)
    kinds = {k: v.WhichOneof("kind") for k, v in m.collection_def.items()}
"""

TF_TO_TEXT = """
from google.protobuf import text_format
from tensorflow.core.protobuf import meta_graph_pb2
def job(src, dst):
    m = meta_graph_pb2.MetaGraphDef()
    with open(src, "rb") as f:
        m.ParseFromString(f.read())
    with open(dst, "w") as f:
        f.write(text_format.MessageToString(m))
"""

TF_TO_BINARY = """
from google.protobuf import text_format
from tensorflow.core.protobuf import meta_graph_pb2
def job(src, dst):
    m = meta_graph_pb2.MetaGraphDef()
    with open(src) as f:
        text_format.Parse(f.read(), m)
    with open(dst, "wb") as f:
        f.write(m.SerializeToString())
"""

TF_SAME_MESSAGE = """
from tensorflow.core.protobuf import meta_graph_pb2
def job(a, b):
    ma, mb = meta_graph_pb2.MetaGraphDef(), meta_graph_pb2.MetaGraphDef()
    with open(a, "rb") as f:
        ma.ParseFromString(f.read())
    with open(b, "rb") as f:
        mb.ParseFromString(f.read())
    assert ma == mb, "text → binary changed the message"
"""


def seconds(s):
    """A time for the report: milliseconds below one second."""
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


# ---- the report ---------------------------------------------------------------

def machine(work):
    """The machine and software the numbers were measured on."""
    def first(pattern, text, default="?"):
        m = re.search(pattern, text, re.M)
        return m.group(1).strip() if m else default
    cpuinfo = Path("/proc/cpuinfo").read_text()
    meminfo = Path("/proc/meminfo").read_text()
    flags = first(r"^flags\s*:(.*)$", cpuinfo, "")
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    tf = subprocess.run([sys.executable, "-c", "import tensorflow as tf; print(tf.__version__)"],
                        capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}).stdout.strip()
    fs = subprocess.run(["df", "-T", str(work)], capture_output=True, text=True).stdout.splitlines()[-1].split()[1]
    model = first(r"^model name\s*:(.*)$", cpuinfo)
    mem_gib = int(first(r"^MemTotal:\s*(\d+)", meminfo, "0")) / 2**20
    return {
        "CPU": f"{model}, {os.cpu_count()} cores" + (" (SSE4.2 CRC32C)" if "sse4_2" in flags.split() else ""),
        "Memory": f"{mem_gib:.0f} GiB",
        "OS": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "Work folder file system": fs,
        "tfmeta": f"release build, {swift}",
        "TensorFlow": f"tensorflow-cpu {tf}, Python {platform.python_version()}",
    }


def report(suite, runs):
    def secs(result):
        return seconds(result.median) if result else "—"

    def mb(result):
        return f"{result.peak_mb:.0f} MB" if result else "—"

    lines = [
        "# Benchmarks",
        "",
        f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC by `Benchmarks/run` "
        "(see `Benchmarks/README.md` for what each row does). Page cache warm; "
        f"medians of {runs} runs after one warm-up run (TensorFlow's slowest jobs: fewer, see the range).",
        "",
    ]
    lines += [f"- **{k}:** {v}" for k, v in machine(suite.work).items()]
    import_s = sorted(suite.tf_import)
    if import_s:
        lines += [f"- **`import tensorflow`:** {import_s[len(import_s) // 2]:.2f} s (median), "
                  "not counted in TensorFlow's times below"]
    lines += [
        "",
        "| operation | work | floor (`cp`/`cat`) | tfmeta | tfmeta range | tfmeta peak RSS | "
        "tfmeta ÷ floor | TensorFlow (in process) | TF peak RSS | TF ÷ tfmeta | goal | met |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in suite.rows:
        ours, floor, tf = r["ours"], r["floor"], r["tf"]
        vs_floor = f"{ours.median / floor.median:.2f}×" if floor else "—"
        vs_tf = f"{tf.median / ours.median:.2g}×" if tf else "—"
        met = {True: "yes", False: "**no**", None: ""}[r["met"]]
        lines.append(f"| {r['name']} | {r['what']} | {secs(floor)} | {secs(ours)} | {ours.spread()} | {mb(ours)} | "
                     f"{vs_floor} | {secs(tf)} | {mb(tf)} | {vs_tf} | {r['goal']} | {met} |")
    lines += ["", "Notes:", ""]
    lines += [f"- {r['name']}: {r['note']}." for r in suite.rows if r["note"]]
    lines += ["- Floor: `cat` for commands that only read, `cp` for commands that write the same bytes.",
              "- Peak RSS of tfmeta and of the floor is the child process's own; TensorFlow's includes its import.",
              ""]
    if suite.python_section:
        lines += python_section.report_lines(suite.python_section) + [""]
    return "\n".join(lines)


SECTIONS = ["list", "verify", "export", "migrate", "rename", "to-keras", "diff", "stats", "inspect", "convert", "shards",
            "python", "many-keys"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("work", type=Path)
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command (default 5)")
    parser.add_argument("--tf-runs", type=int, default=3, help="timed runs of each TensorFlow job (default 3)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=SECTIONS)
    parser.add_argument("--report", type=Path, help="write the Markdown report here")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    suite = Suite(args.work, args.runs, args.tf_runs)
    # The 1 GiB inputs only for the sections that use them (many-keys makes its own).
    v1, v2, meta = suite.make_inputs(with_meta=bool({"inspect", "convert"} & set(args.only))) \
        if set(args.only) - {"many-keys"} else (None, None, None)
    print(f"{'':34s} {'median':>9s} {'peak':>9s}", flush=True)
    suite.checkpoints(v1, v2, set(args.only))
    suite.questions(v1, v2, set(args.only))
    suite.shards(v1, v2, set(args.only))
    suite.meta(meta, set(args.only))
    if "python" in args.only:
        python_section.run(suite, v2, Path(__file__).resolve().parents[1] / "Fixtures")
    if "many-keys" in args.only:
        many_keys.run(suite)
    if args.report:
        args.report.write_text(report(suite, args.runs))
        print(f"wrote {args.report}")
    missed = [r["name"] for r in suite.rows if r["met"] is False]
    if suite.python_section:
        missed += [r["name"] for r in suite.python_section["rows"] if not r["met"]]
    if missed:
        print("goals missed: " + ", ".join(missed))


if __name__ == "__main__":
    main()
