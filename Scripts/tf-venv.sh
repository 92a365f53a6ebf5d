#!/usr/bin/env bash
# Make sure the cached TensorFlow virtual environment exists and works, then print
# its python's path as the last line on stdout.
#
#   PY=$(Scripts/tf-venv.sh | tail -1)
#   "$PY" Fixtures/generate.py
#
# The venv lives at ${MGK_TF_VENV:-$HOME/.cache/metagraphkit/venv-tf}. It is
# created if missing; tensorflow-cpu, pytest and pytest-xdist are installed only when they cannot
# be imported (or TensorFlow has the wrong version). Idempotent: a second run
# changes nothing. Progress goes to stderr; on any failure the script exits
# non-zero with a message saying what failed.
set -euo pipefail

TF_VERSION="2.21.0"
VENV="${MGK_TF_VENV:-$HOME/.cache/metagraphkit/venv-tf}"
PY="$VENV/bin/python"

log() { printf 'tf-venv: %s\n' "$*" >&2; }
fail() { printf 'tf-venv: error: %s\n' "$*" >&2; exit 1; }

# Checks run quietly: TensorFlow is chatty on import.
tf_ok() {
    TF_CPP_MIN_LOG_LEVEL=3 "$PY" - "$TF_VERSION" >/dev/null 2>&1 <<'EOF'
import sys
import tensorflow as tf
sys.exit(0 if tf.__version__ == sys.argv[1] else 1)
EOF
}
pytest_ok() { "$PY" -c 'import pytest' >/dev/null 2>&1; }
# pytest-xdist runs the hostile-input suite (thousands of tfmeta processes) on every core.
xdist_ok() { "$PY" -c 'import xdist' >/dev/null 2>&1; }

if [ ! -x "$PY" ]; then
    base=""
    for candidate in python3.11 python3.12 python3.13 python3.10 python3; do
        if command -v "$candidate" >/dev/null 2>&1; then base=$(command -v "$candidate"); break; fi
    done
    [ -n "$base" ] || fail "no python3 found to create $VENV"
    log "creating $VENV with $base"
    mkdir -p "$(dirname "$VENV")"
    "$base" -m venv "$VENV" >&2 || fail "could not create the virtual environment at $VENV (is the python3 venv module installed? Debian: apt-get install python3-venv)"
    [ -x "$PY" ] || fail "virtual environment at $VENV has no bin/python"
fi

if ! tf_ok; then
    log "installing tensorflow-cpu==$TF_VERSION into $VENV"
    "$PY" -m pip install --disable-pip-version-check "tensorflow-cpu==$TF_VERSION" >&2 \
        || fail "pip could not install tensorflow-cpu==$TF_VERSION into $VENV"
    tf_ok || fail "tensorflow-cpu==$TF_VERSION was installed into $VENV but 'import tensorflow' still fails or reports another version"
fi

if ! pytest_ok; then
    log "installing pytest into $VENV"
    "$PY" -m pip install --disable-pip-version-check pytest >&2 \
        || fail "pip could not install pytest into $VENV"
    pytest_ok || fail "pytest was installed into $VENV but cannot be imported"
fi

if ! xdist_ok; then
    log "installing pytest-xdist into $VENV"
    "$PY" -m pip install --disable-pip-version-check pytest-xdist >&2 \
        || fail "pip could not install pytest-xdist into $VENV"
    xdist_ok || fail "pytest-xdist was installed into $VENV but cannot be imported"
fi

# The safetensors package reads exported .safetensors files in the interop suite
# (Tests/Interop/test_rules.py: to-torch layouts); PyTorch itself is not needed.
if ! "$PY" -c 'import safetensors.numpy' >/dev/null 2>&1; then
    log "installing safetensors into $VENV"
    "$PY" -m pip install --disable-pip-version-check safetensors >&2 \
        || fail "pip could not install safetensors into $VENV"
    "$PY" -c 'import safetensors.numpy' >/dev/null 2>&1 || fail "safetensors was installed into $VENV but cannot be imported"
fi

printf '%s\n' "$PY"
