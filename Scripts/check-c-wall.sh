#!/usr/bin/env bash
# The wall around protobuf-c (REVIEW §3.1): fails when generated structs or the C
# runtime are touched outside the files allowed to.
#  - `protobuf_c_*` functions are called only from Codec/Internals/ProtobufC.swift
#    (and WireCheck.swift's one descriptor lookup);
#  - `Tensorflow__*`/`TENSORFLOW__*` (generated structs and enums) appear only in
#    an `Internals/` folder or in a file listed in Scripts/c-wall-allowed.txt;
#  - the C modules are imported `internal`ly, and never by the CLI or the fuzzing
#    library.
# Comments do not count. Adding a file to the allow-list is a reviewed decision.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
allowed=$(grep -v '^#' Scripts/c-wall-allowed.txt | sed '/^$/d')
fail=0
code_lines() {  # file: its lines with // comments removed (strings are kept; good enough here)
    sed -E 's#//.*$##' "$1"
}
while IFS= read -r f; do
    rel=${f#./}
    if code_lines "$f" | grep -qE 'protobuf_c_'; then
        case "$rel" in
            Sources/MetaGraphKit/Codec/Internals/ProtobufC.swift|Sources/MetaGraphKit/Codec/Internals/WireCheck.swift) ;;
            *) echo "check-c-wall: $rel calls protobuf-c's runtime; only Codec/Internals/ProtobufC.swift may"; fail=1 ;;
        esac
    fi
    if code_lines "$f" | grep -qE 'Tensorflow__|TENSORFLOW__'; then
        case "$rel" in
            */Internals/*) ;;
            *) if ! grep -qxF "$rel" <<<"$allowed"; then
                   echo "check-c-wall: $rel touches generated protobuf-c structs; move the access to an Internals/ file or add it to Scripts/c-wall-allowed.txt"
                   fail=1
               fi ;;
        esac
    fi
    if code_lines "$f" | grep -qE '^\s*(public |package |@_exported )?import (CProtobufC|CTFProtos)'; then
        echo "check-c-wall: $rel imports a C module without \`internal import\`"; fail=1
    fi
done < <(find Sources/MetaGraphKit -name '*.swift' | sort)
if grep -rlE 'import (CProtobufC|CTFProtos|CSnappy)' Sources/TFMetaCommands Sources/tfmeta Sources/MetaGraphKitFuzzing; then
    echo "check-c-wall: the files above import C; only MetaGraphKit may"; fail=1
fi
# libhdf5 and libzip each have one caller: the HDF5 enum (Foreign/Internals/HDF5.swift
# and its +Read/+Write extensions) and Foreign/Internals/Zip.swift.
while IFS= read -r f; do
    rel=${f#./}
    if code_lines "$f" | grep -qE '^\s*(internal |public |package )?import CHDF5'; then
        case "$rel" in
            Sources/MetaGraphKit/Foreign/Internals/HDF5.swift|Sources/MetaGraphKit/Foreign/Internals/HDF5+*.swift) ;;
            *) echo "check-c-wall: $rel imports libhdf5; only Foreign/Internals/HDF5*.swift may"; fail=1 ;;
        esac
    fi
    if code_lines "$f" | grep -qE '^\s*(internal |public |package )?import CZip'; then
        case "$rel" in
            Sources/MetaGraphKit/Foreign/Internals/Zip.swift) ;;
            *) echo "check-c-wall: $rel imports libzip; only Foreign/Internals/Zip.swift may"; fail=1 ;;
        esac
    fi
done < <(find Sources -name '*.swift' | sort)
for f in $allowed; do
    [ -f "$f" ] || { echo "check-c-wall: $f is in Scripts/c-wall-allowed.txt but does not exist"; fail=1; }
done
[ $fail -eq 0 ] && echo "check-c-wall: protobuf-c stays behind its wall"
exit $fail
