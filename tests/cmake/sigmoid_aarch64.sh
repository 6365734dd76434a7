#!/bin/sh
# Builds tests/sigmoid_test.cpp (or tests/<test>.cpp) for AArch64 (NEON kernels) with
# aarch64-linux-gnu-g++ and runs it under qemu-aarch64.
# Usage: sigmoid_aarch64.sh <soma source dir> <work dir> [<test>, default sigmoid_test].
# Needs: apt-get install g++-aarch64-linux-gnu qemu-user (Catch2 v2 single header from the
# host's /usr/include/catch2 is reused; it is header-only and architecture independent).
set -eu
source_dir=$1
work_dir=$2
test=${3:-sigmoid_test}
cxx=${SOMA_AARCH64_CXX:-aarch64-linux-gnu-g++}
qemu=${SOMA_QEMU_AARCH64:-qemu-aarch64}
sysroot=${SOMA_AARCH64_SYSROOT:-/usr/aarch64-linux-gnu}
for tool in "$cxx" "$qemu"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "sigmoid_aarch64: $tool not found" >&2
    exit 1
  fi
done
mkdir -p "$work_dir/include"
ln -sfn /usr/include/catch2 "$work_dir/include/catch2"
"$cxx" -std=c++20 -O2 -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Werror \
  -I"$source_dir/include" -I"$source_dir/tests" -isystem "$work_dir/include" \
  "$source_dir/tests/support/catch_main.cpp" "$source_dir/tests/$test.cpp" \
  -o "$work_dir/${test}_aarch64"
"$qemu" -L "$sysroot" "$work_dir/${test}_aarch64"
