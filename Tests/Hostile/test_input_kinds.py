"""Say what any input is: every kind of path a user may pass where a checkpoint,
graph or state directory is expected is either read (a prefix, an index, a data
shard, the state file, a directory, a SavedModel) or refused with exit 1 and a
message that names the file, says what it is and what to pass instead. The sample
files are built here (they are small). No TensorFlow needed."""
import gzip
import io
import os
import shutil
import struct
import tarfile
import zipfile

import pytest

from conftest import FIXTURES, check_outcome, run_tfmeta

V2 = FIXTURES / "ckpt" / "v2_partitioned"


def copy_v2(directory, name):
    for suffix in (".index", ".data-00000-of-00001"):
        shutil.copy(str(V2) + suffix, directory / (name + suffix))


def zip_with(path, names):
    with zipfile.ZipFile(path, "w") as z:
        for n in names:
            z.writestr(n, b"x" * 16)


def npy_bytes():
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"
    pad = 64 - (10 + len(header) + 1) % 64
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header) + pad + 1) + header + b" " * pad + b"\n" + struct.pack("<2f", 1, 2)


# kind: (build(d) -> the path to pass, relative to d; the phrases the message must hold)
def build_lfs(d):
    (d / "model.ckpt.index").write_text(
        "version https://git-lfs.github.com/spec/v1\noid sha256:" + "ab" * 32 + "\nsize 123456789\n")
    return "model.ckpt"


def build_hdf5(d):
    (d / "model.weights.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(600))
    return "model.weights.h5"


def build_keras(d):
    zip_with(d / "model.keras", ["metadata.json", "config.json", "model.weights.h5"])
    return "model.keras"


def build_zip(d):
    zip_with(d / "ckpt.zip", ["ckpt/model.ckpt.index", "ckpt/model.ckpt.data-00000-of-00001"])
    return "ckpt.zip"


def build_gzip(d):
    (d / "ckpt.tar.gz").write_bytes(gzip.compress(b"x" * 1000))
    return "ckpt.tar.gz"


def build_tar(d):
    with tarfile.open(d / "ckpt.tar", "w") as t:
        info = tarfile.TarInfo("model.ckpt.index")
        info.size = 4
        t.addfile(info, io.BytesIO(b"abcd"))
    return "ckpt.tar"


def build_safetensors(d):
    header = b'{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'
    (d / "model.safetensors").write_bytes(struct.pack("<Q", len(header)) + header + struct.pack("<2f", 1, 2))
    return "model.safetensors"


def build_npz(d):
    with zipfile.ZipFile(d / "weights.npz", "w") as z:
        z.writestr("w.npy", npy_bytes())
    return "weights.npz"


def build_npy(d):
    (d / "w.npy").write_bytes(npy_bytes())
    return "w.npy"


def build_pytorch_zip(d):
    zip_with(d / "pytorch_model.bin", ["archive/data.pkl", "archive/data/0", "archive/version"])
    return "pytorch_model.bin"


def build_pickle(d):
    (d / "model.pt").write_bytes(b"\x80\x02}q\x00X\x01\x00\x00\x00wq\x01." + bytes(32))
    return "model.pt"


def build_onnx(d):
    # ModelProto: ir_version 8, producer_name "pytorch", opset_import { domain "" }, …
    (d / "model.onnx").write_bytes(b"\x08\x08\x12\x07pytorch\x1a\x052.1.0:\x04\x0a\x02ai.onnx" + bytes(16))
    return "model.onnx"


def build_tflite(d):
    (d / "model.tflite").write_bytes(b"\x1c\x00\x00\x00TFL3" + bytes(64))
    return "model.tflite"


def build_frozen(d):
    # GraphDef: node { name: "w" op: "Const" }
    (d / "frozen_graph.pb").write_bytes(b"\x0a\x0a\x0a\x01w\x12\x05Const" + bytes(8))
    return "frozen_graph.pb"


def build_empty(d):
    (d / "model.ckpt").write_bytes(b"")
    return "model.ckpt"


def build_truncated_index(d):
    copy_v2(d, "model.ckpt")
    data = (d / "model.ckpt.index").read_bytes()
    (d / "model.ckpt.index").write_bytes(data[:len(data) // 2])
    return "model.ckpt"


def build_index_with_junk(d):
    copy_v2(d, "model.ckpt")
    with open(d / "model.ckpt.index", "ab") as f:
        f.write(b"<html>error page</html>")
    return "model.ckpt"


def build_shard_without_index(d):
    copy_v2(d, "model.ckpt")
    os.unlink(d / "model.ckpt.index")
    return "model.ckpt.data-00000-of-00001"


def build_meta(d):
    copy_v2(d, "model.ckpt-5")
    shutil.copy(FIXTURES / "meta" / "train_graph.meta", d / "model.ckpt-5.meta")
    return "model.ckpt-5.meta"


def build_directory_without_state(d):
    (d / "run").mkdir()
    copy_v2(d / "run", "ckpt-1")
    copy_v2(d / "run", "ckpt-2")
    return "run"


def build_empty_directory(d):
    (d / "run").mkdir()
    return "run"


def build_saved_model_without_variables(d):
    (d / "sm").mkdir()
    shutil.copy(FIXTURES / "saved_model" / "saved_model.pb", d / "sm" / "saved_model.pb")
    return "sm"


REFUSED = {
    "git-lfs-pointer": (build_lfs, ["model.ckpt.index: a Git LFS pointer to an object of 123456789 bytes", "git lfs pull"]),
    "hdf5": (build_hdf5, ["model.weights.h5: an HDF5 file", "Keras"]),
    "keras-archive": (build_keras, ["model.keras: a Keras 3 `.keras` archive"]),
    "zip": (build_zip, ["ckpt.zip: a zip archive", "extract it first"]),
    "gzip": (build_gzip, ["ckpt.tar.gz: a gzip-compressed file", "extract it first"]),
    "tar": (build_tar, ["ckpt.tar: a tar archive", "extract it first"]),
    "safetensors": (build_safetensors, ["model.safetensors: a safetensors file"]),
    "npz": (build_npz, ["weights.npz: a NumPy .npz archive"]),
    "npy": (build_npy, ["w.npy: a NumPy .npy array"]),
    "pytorch-zip": (build_pytorch_zip, ["pytorch_model.bin: a PyTorch checkpoint (a zip holding data.pkl)", "safetensors"]),
    "pytorch-pickle": (build_pickle, ["model.pt: a Python pickle (a PyTorch", "does not unpickle"]),
    "onnx": (build_onnx, ["model.onnx: an ONNX model"]),
    "tflite": (build_tflite, ["model.tflite: a TensorFlow Lite model (TFL3 flatbuffer)"]),
    "frozen-graph": (build_frozen, ["frozen_graph.pb: a GraphDef `.pb` (a frozen graph"]),
    "empty-file": (build_empty, ["model.ckpt: an empty file (0 bytes)"]),
    "truncated-index": (build_truncated_index, ["model.ckpt.index: a checkpoint index cut short: it ends at byte ",
                                                "copy the index again"]),
    "index-with-junk": (build_index_with_junk, ["model.ckpt.index: a checkpoint index with 23 bytes after its table's end at byte "]),
    "data-shard-without-index": (build_shard_without_index, [
        "model.ckpt.data-00000-of-00001: a data file of the V2 checkpoint model.ckpt, whose index model.ckpt.index is missing"]),
    "meta": (build_meta, ["model.ckpt-5.meta: a MetaGraphDef", "pass the checkpoint beside it, model.ckpt-5"]),
    "directory-without-state": (build_directory_without_state, [
        "run: a directory without a `checkpoint` state file, holding 2 checkpoints: run/ckpt-1, run/ckpt-2; pass one of them"]),
    "empty-directory": (build_empty_directory, ["run: a directory without a `checkpoint` state file and without checkpoints"]),
    "saved-model-without-variables": (build_saved_model_without_variables, ["sm: a SavedModel directory",
                                                                            "no variables/variables checkpoint"]),
}


# Other frameworks' files that `ckpt list`/`verify` read (Foreign/: Keras 3, safetensors,
# npz, .npy): only `migrate`, which takes TensorFlow checkpoints, must explain them; their
# readers' own damage cases are in test_foreign.py and test_keras_crafted.py.
READ_BY_CKPT = {"hdf5", "keras-archive", "safetensors", "npz", "npy"}
CASES = [(kind, command) for kind in sorted(REFUSED) for command in ("list", "verify", "migrate")
         if not (kind in READ_BY_CKPT and command != "migrate")]


@pytest.mark.parametrize("kind,command", CASES)
def test_wrong_input_says_what_it_is(kind, command, case_dir):
    build, phrases = REFUSED[kind]
    path = build(case_dir)
    args = {"list": ["ckpt", "list", path], "verify": ["ckpt", "verify", path],
            "migrate": ["ckpt", "migrate", path, "out/p"]}[command]
    (case_dir / "out").mkdir()
    outcome = run_tfmeta(args, cwd=case_dir)
    check_outcome(outcome, damaged=phrases[0].split(":")[0], must_fail=True)
    for phrase in phrases:
        assert phrase in outcome.stderr, outcome.describe()
    assert "bad magic 0x" not in outcome.stderr
    assert os.listdir(case_dir / "out") == []


# Kinds that are read: the path stands for a checkpoint.
def build_index(d):
    copy_v2(d, "m")
    return "m.index"


def build_shard(d):
    copy_v2(d, "m")
    return "m.data-00000-of-00001"


def build_state_file(d):
    shutil.copytree(FIXTURES / "state" / "relative", d / "run")
    return "run/checkpoint"


def build_state_directory(d):
    shutil.copytree(FIXTURES / "state" / "relative", d / "run")
    return "run"


def build_saved_model(d):
    shutil.copytree(FIXTURES / "saved_model", d / "sm")
    return "sm"


def build_saved_model_pb(d):
    shutil.copytree(FIXTURES / "saved_model", d / "sm")
    return "sm/saved_model.pb"


READ = {
    "prefix": (lambda d: (copy_v2(d, "m"), "m")[1], "scope/part"),
    "index": (build_index, "scope/part"),
    "data-shard": (build_shard, "scope/part"),
    "v1-file": (lambda d: (shutil.copy(FIXTURES / "ckpt" / "v1_partitioned", d / "v1"), "v1")[1], "scope/part"),
    "state-file": (build_state_file, "v/.ATTRIBUTES/VARIABLE_VALUE"),
    "state-directory": (build_state_directory, "v/.ATTRIBUTES/VARIABLE_VALUE"),
    "saved-model-directory": (build_saved_model, "w/.ATTRIBUTES/VARIABLE_VALUE"),
    "saved_model.pb": (build_saved_model_pb, "w/.ATTRIBUTES/VARIABLE_VALUE"),
}


@pytest.mark.parametrize("kind", sorted(READ))
def test_input_standing_for_a_checkpoint_is_read(kind, case_dir):
    build, key = READ[kind]
    path = build(case_dir)
    listed = run_tfmeta(["ckpt", "list", path], cwd=case_dir)
    assert listed.status == 0 and key in listed.stdout, listed.describe()
    migrated = run_tfmeta(["ckpt", "migrate", path, "copy"], cwd=case_dir)
    assert migrated.status == 0, migrated.describe()
    again = run_tfmeta(["ckpt", "list", "copy"], cwd=case_dir)
    assert again.stdout == listed.stdout


def test_checkpoint_given_as_a_graph(case_dir):
    copy_v2(case_dir, "model.ckpt")
    shutil.copy(FIXTURES / "meta" / "train_graph.meta", case_dir / "model.ckpt.meta")
    shutil.copy(FIXTURES / "ckpt" / "v1_partitioned", case_dir / "v1")
    shutil.copytree(FIXTURES / "state" / "relative", case_dir / "run")
    for path, phrases in [("model.ckpt", ["model.ckpt: a V2 checkpoint prefix (the weights, not a graph)",
                                          "its graph is model.ckpt.meta"]),
                          ("model.ckpt.index", ["model.ckpt.index: the index of the V2 checkpoint model.ckpt"]),
                          ("v1", ["v1: a V1 checkpoint file (tensor-slice table) (the weights, not a graph)"]),
                          ("run", ["run: a checkpoint directory (its state file names the latest checkpoint), not a graph",
                                   "pass the .meta beside its latest checkpoint"])]:
        outcome = run_tfmeta(["meta", "inspect", path], cwd=case_dir)
        check_outcome(outcome, damaged=path, must_fail=True)
        for phrase in phrases:
            assert phrase in outcome.stderr, outcome.describe()


def test_wrong_file_given_as_a_state_directory(case_dir):
    build_keras(case_dir)
    outcome = run_tfmeta(["state", "show", "model.keras"], cwd=case_dir)
    check_outcome(outcome, damaged="model.keras", must_fail=True)
    assert "model.keras: a Keras 3 `.keras` archive" in outcome.stderr, outcome.describe()
    build_directory_without_state(case_dir)
    outcome = run_tfmeta(["state", "latest", "run"], cwd=case_dir)
    check_outcome(outcome, damaged="run/checkpoint", must_fail=True)
    assert "the directory holds 2 checkpoints (run/ckpt-1, run/ckpt-2): pass one of them" in outcome.stderr, outcome.describe()


def test_json_error_names_the_file(case_dir):
    import json
    build_lfs(case_dir)
    outcome = run_tfmeta(["ckpt", "list", "model.ckpt", "--json"], cwd=case_dir)
    assert outcome.status == 1 and outcome.stderr == "", outcome.describe()
    error = json.loads(outcome.stdout)["error"]
    assert error["code"] == "invalid-argument"
    assert error["file"] == "model.ckpt.index"
    assert "git lfs pull" in error["message"]
