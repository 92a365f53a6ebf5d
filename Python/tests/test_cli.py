"""The `tfmeta` command the wheel installs: on PATH, runs, exit codes."""
import json
import os
import shutil
import subprocess

from _support import CKPT

TFMETA = os.environ.get("TFMETA_CLI", "tfmeta")


def run(*args):
    return subprocess.run([TFMETA, *map(str, args)], capture_output=True, text=True)


def test_on_path_and_lists_a_checkpoint():
    assert shutil.which(TFMETA), "tfmeta is not on PATH"
    p = run("ckpt", "list", CKPT / "v1_partitioned")
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[1].split() == ["scope/part", "float32", "[10,", "3]", "(3", "slices)"]
    p = run("ckpt", "list", "--json", CKPT / "v2_dtypes")
    assert p.returncode == 0 and len(json.loads(p.stdout)) == 54


def test_verify_and_exit_codes(tmp_path):
    assert run("ckpt", "verify", CKPT / "v2_snappy").returncode == 0
    assert run("ckpt", "list", tmp_path / "nope").returncode == 1
    assert run("ckpt", "no-such-command").returncode == 2


def test_migrate_writes_a_checkpoint(tmp_path):
    p = run("ckpt", "migrate", CKPT / "v1_partitioned", tmp_path / "m")
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "m.index").exists()


def test_the_wheel_and_the_command_have_one_version():
    import tfmeta
    p = run("--version")
    assert p.returncode == 0 and p.stdout.strip() == tfmeta.__version__
