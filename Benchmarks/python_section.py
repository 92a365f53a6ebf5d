"""The "python" section of the suite: the `tfmeta` Python package (from the wheel)
against TensorFlow's reader and against `tensorflow-checkpoint-reader`, the pure-
Python reader on PyPI, reading every tensor of a checkpoint; `import tfmeta`
against `import tensorflow`; the wheel's size; and what each reader fails to read.

The tfmeta package and the pure-Python reader run in their own virtual
environment (BENCH_PY: made by Benchmarks/run with the wheel, numpy < 2, six and
tensorflow-checkpoint-reader, which needs numpy < 2 and, on Python ≥ 3.11, a shim
for `inspect.ArgSpec` it still imports). TensorFlow runs in its own venv. Each
side runs in a fresh process: the import is timed apart, the job runs once to
warm up and then N times, timed in process; peak RSS is the process's VmHWM.
"""
import json
import os
import re
import statistics
import subprocess
from pathlib import Path

from bench import TF_READ_ALL, in_child, tensorflow

# The peer still imports inspect.ArgSpec/getargspec (removed in Python 3.11).
PEER_SHIM = """
import collections, inspect
if not hasattr(inspect, "ArgSpec"):
    inspect.ArgSpec = collections.namedtuple("ArgSpec", "args varargs keywords defaults")
    inspect.getargspec = lambda f: inspect.ArgSpec(*inspect.getfullargspec(f)[:4])
"""

TFMETA_IMPORT = "import tfmeta"
TFMETA_READ_ALL = """
def job(p):
    with tfmeta.open(p) as f:
        for k in f.keys():
            f.get_tensor(k)
"""
PEER_IMPORT = "from tensorflow_checkpoint_reader.py_checkpoint_reader import NewCheckpointReader"
PEER_READ_ALL = """
def job(p):
    r = NewCheckpointReader(p)
    for k in r.get_variable_to_shape_map():
        r.get_tensor(k)
"""

# What each reader is asked to read for the capability table: (label, fixture, key or None for all).
CAPABILITIES = [
    ("sliced V1 (partitioned variable)", "v1_partitioned", "scope/part"),
    ("V1 with snappy-compressed table blocks", "v1_snappy", None),
    ("V2 with snappy-compressed index blocks", "v2_snappy", None),
    ("string tensors", "v2_dtypes", "string/vector"),
    ("every dtype (bfloat16, complex, …)", "v2_dtypes", None),
    ("partitioned V2 (TF2 sliced)", "v2_partitioned", None),
]
CAPABILITY_JOB = """
def job(prefix, key, kind):
    import json
    try:
        if kind == "tfmeta":
            f = tfmeta.open(prefix)
            keys = [key] if key else f.keys()
            for k in keys: f.get_tensor(k)
        elif kind == "peer":
            r = NewCheckpointReader(prefix)
            keys = [key] if key else list(r.get_variable_to_shape_map())
            for k in keys: r.get_tensor(k)
        else:
            r = tf.train.load_checkpoint(prefix)
            keys = [key] if key else list(r.get_variable_to_shape_map())
            for k in keys: r.get_tensor(k)
        print("CAPABILITY " + json.dumps({"ok": True}))
    except Exception as e:
        print("CAPABILITY " + json.dumps({"ok": False, "error": (type(e).__name__ + ": " + str(e)).strip()[:90]}))
"""

MAKE_SMALL = """
import os, sys
import numpy as np
import tensorflow as tf
prefix, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
names = [f"model/block_{i // 10:03d}/var_{i % 10}" for i in range(n)]
tensors = [tf.constant(rng.standard_normal((8, 8), dtype=np.float32)) for _ in range(n)]
tf.raw_ops.SaveV2(prefix=prefix + ".partial", tensor_names=names, shape_and_slices=[""] * n, tensors=tensors)
for f in os.listdir(os.path.dirname(prefix)):
    full = os.path.join(os.path.dirname(prefix), f)
    if f.startswith(os.path.basename(prefix) + ".partial"):
        os.replace(full, full.replace(".partial", ""))
"""


def run_py(python, imports, job, runs, *args, prelude=""):
    """One side of a comparison in a fresh process (bench.in_child)."""
    return in_child(python, imports, job, runs, *args, prelude=prelude)


def run(suite, v2, fixtures: Path):
    """Adds the rows of the section to suite.python_rows (printed and reported)."""
    bench_py = os.environ.get("BENCH_PY")
    if not bench_py:
        raise SystemExit("the python section needs BENCH_PY (Benchmarks/run sets it up)")
    wheel = os.environ.get("TFMETA_WHEEL", "")
    small = suite.path("small_3000")
    if not Path(f"{small}.index").exists():
        print("making the 3,000-variable checkpoint with TensorFlow (once)…", flush=True)
        subprocess.run([suite.python, "-c", MAKE_SMALL, str(small), "3000"], check=True)
    rows = []
    for label, prefix, what in [("1 GiB V2 (16 × 64 MiB)", v2, "read every tensor, 1 GiB"),
                                ("3,000 small variables", small, "read 3,000 float32[8, 8]")]:
        ours, _, _ = run_py(bench_py, TFMETA_IMPORT, TFMETA_READ_ALL, suite.runs, prefix)
        peer, _, _ = run_py(bench_py, PEER_IMPORT, PEER_READ_ALL, max(1, min(suite.tf_runs, 2)), prefix,
                            prelude=PEER_SHIM)
        tf, import_s = tensorflow(suite.python, TF_READ_ALL, suite.tf_runs, prefix)
        suite.tf_import.append(import_s)
        row = {"name": f"open + get_tensor, {label}", "what": what, "ours": ours, "tf": tf, "peer": peer}
        row["met"] = tf.median >= 5 * ours.median and peer.median >= 20 * ours.median
        rows.append(row)
        print(f"{row['name']:44s} tfmeta {ours.median * 1000:9.1f} ms  TF {tf.median * 1000:9.1f} ms "
              f"({tf.median / ours.median:5.1f}×)  pure Python {peer.median * 1000:9.1f} ms "
              f"({peer.median / ours.median:6.1f}×)  {'goal met' if row['met'] else 'GOAL MISSED'}", flush=True)
    # Import: fresh processes, nothing else done.
    imports = []
    for _ in range(max(5, suite.runs)):
        out = subprocess.run([bench_py, "-c", "import time; t = time.perf_counter(); import tfmeta; "
                              "print(time.perf_counter() - t)"], check=True, capture_output=True, text=True)
        imports.append(float(out.stdout))
    import_tfmeta = statistics.median(imports)
    import_tf = statistics.median(suite.tf_import)
    print(f"import tfmeta {import_tfmeta * 1000:.1f} ms, import tensorflow {import_tf:.2f} s", flush=True)
    # What each one reads.
    caps = []
    for label, fixture, key in CAPABILITIES:
        prefix = fixtures / "ckpt" / fixture
        result = {}
        for kind, python, imports_, prelude in [
                ("tfmeta", bench_py, TFMETA_IMPORT, ""), ("peer", bench_py, PEER_IMPORT, PEER_SHIM)]:
            _, _, printed = run_py(python, imports_, CAPABILITY_JOB, 0, prefix, key or "", kind, prelude=prelude)
            result[kind] = json.loads(next(x for x in printed if x.startswith("CAPABILITY "))[len("CAPABILITY "):])
        out = subprocess.run([suite.python, "-c", "import json, sys\nimport tensorflow as tf\n" + CAPABILITY_JOB +
                              "\njob(sys.argv[1], sys.argv[2], 'tf')", str(prefix), key or ""],
                             check=True, capture_output=True, text=True,
                             env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}).stdout
        result["tf"] = json.loads(next(x for x in out.splitlines() if x.startswith("CAPABILITY "))[len("CAPABILITY "):])
        caps.append((label, f"{fixture}" + (f" `{key}`" if key else ""), result))
        print(f"  {label:42s} " + "  ".join(f"{k}: {'ok' if v['ok'] else 'FAILS'}" for k, v in result.items()), flush=True)
    size = Path(wheel).stat().st_size if wheel and Path(wheel).exists() else None
    suite.python_section = {"rows": rows, "import_tfmeta": import_tfmeta, "import_tf": import_tf,
                            "imports": imports, "capabilities": caps, "wheel": wheel, "wheel_size": size}


def report_lines(section):
    """The Markdown of the section for BENCHMARKS.md."""
    def ms(r):
        s = r.median
        return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"
    lines = ["", "## From Python: `tfmeta` (the wheel) against TensorFlow's reader and the pure-Python reader", "",
             "`tfmeta.open(p)` + `get_tensor` of every key, against `tf.train.load_checkpoint(p).get_tensor` and "
             "`tensorflow-checkpoint-reader` 0.2.2 (PyPI) `NewCheckpointReader(p).get_tensor`; imports not counted. "
             "tfmeta's V2 arrays are read-only views of the mapped file after the CRC check of every tensor "
             "(TensorFlow's reader checks each CRC and copies).", "",
             "| job | work | tfmeta | tfmeta peak RSS | TensorFlow | TF ÷ tfmeta | pure Python | pure Python ÷ tfmeta | "
             "goal (≥ 5× TF, ≥ 20× pure Python) | met |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in section["rows"]:
        o, t, p = r["ours"], r["tf"], r["peer"]
        lines.append(f"| {r['name']} | {r['what']} | {ms(o)} | {o.peak_mb:.0f} MB | {ms(t)} | "
                     f"{t.median / o.median:.1f}× | {ms(p)} | {p.median / o.median:.0f}× | ≥ 5×, ≥ 20× | "
                     f"{'yes' if r['met'] else '**no**'} |")
    it = section["import_tfmeta"]
    lines += ["", f"- `import tfmeta`: {it * 1000:.1f} ms (median of {len(section['imports'])} fresh processes, "
              f"numpy's import included; goal < 100 ms: {'met' if it < 0.1 else '**missed**'}); "
              f"`import tensorflow`: {section['import_tf']:.2f} s."]
    if section["wheel_size"]:
        mb = section["wheel_size"] / 2**20
        lines.append(f"- Wheel: `{Path(section['wheel']).name}`, {mb:.1f} MiB (goal < 30 MB: "
                     f"{'met' if section['wheel_size'] < 30e6 else '**missed**'}).")
    lines += ["", "What each reader reads (every tensor of the fixture, or the key named):", "",
              "| input | fixture | tfmeta | TensorFlow 2.21 | tensorflow-checkpoint-reader |", "|---|---|---|---|---|"]

    def cell(v):
        # Peers' messages can carry control bytes (TensorFlow prints a dtype's raw
        # byte): one line of printable text in the Markdown table.
        return "yes" if v["ok"] else "no: " + " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", v["error"]).replace("|", "/").split())
    for label, fixture, res in section["capabilities"]:
        lines.append(f"| {label} | {fixture} | {cell(res['tfmeta'])} | {cell(res['tf'])} | {cell(res['peer'])} |")
    lines += ["", "Why the pure-Python reader is fast on the 1 GiB checkpoint and slow on 3,000 keys: "
              "`NewCheckpointReader(p)` walks the whole index at open and makes, for every entry, an `np.ndarray` "
              "over an `mmap` of the data file. It reads no tensor byte and checks no CRC (its `crc32c` serves only "
              "its writer, and is zlib's CRC-32, not CRC-32C) nor any size against its shape; `get_tensor` is then a "
              "linear scan of that list, quadratic over every key. tfmeta, like TensorFlow, checks each tensor's "
              "CRC-32C, which reads every byte: 20× the pure-Python reader on 1 GiB would mean checking 1 GiB in "
              "about 0.2 ms, less than reading it from the page cache takes, so that goal is out of reach without "
              "skipping the checks, which tfmeta does not do by default."]
    lines += ["", "tensorflow-checkpoint-reader needs numpy < 2 (it uses `np.string_`) and `six`, which it does not "
              "declare, and on Python ≥ 3.11 a shim for `inspect.ArgSpec`; the suite installs and applies them."]
    return lines
