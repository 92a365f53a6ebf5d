#!/usr/bin/env bash
# Installs the Debian packages MetaGraphKit builds with, if any is missing:
# protobuf-c's runtime and compiler, snappy, libhdf5 and libzip (Keras 3 files),
# pkg-config; and chromium, whose headless mode opens the pages of `tfmeta report`
# in Tests/Interop/test_report.py (large: installed once, only when missing).
set -euo pipefail
needed=(libprotobuf-c-dev protobuf-c-compiler libsnappy-dev libhdf5-dev libzip-dev pkg-config chromium)
missing=()
for p in "${needed[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing system packages: ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
