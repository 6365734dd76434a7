#!/usr/bin/env bash
# Differential fuzzing of soma's kernels with libFuzzer (tests/fuzz/fuzz_kernels.cpp):
# builds the target with clang++ in build/fuzz (-DSOMA_BUILD_FUZZERS=ON, ASan + UBSan, Debug:
# optimized builds of the instrumented kernels take many minutes to compile), then
# runs it for SOMA_FUZZ_SECONDS (default 60) on a copy of the seed corpus tests/fuzz/corpus.
# A failure (a kernel that differs from the scalar definition, an error above the bound, a
# write outside an output, a sanitizer report) stops it with the input that caused it.
#
#   scripts/fuzz.sh
#   SOMA_FUZZ_SECONDS=600 scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${SOMA_FUZZ_SECONDS:-60}"
build=build/fuzz
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
  -DSOMA_BUILD_FUZZERS=ON -DSOMA_BUILD_EXAMPLES=OFF -DSOMA_BUILD_BENCHMARKS=OFF \
  -DSOMA_TEST_MATRIX=OFF
cmake --build "$build" --target fuzz_kernels
corpus="$build/corpus"
mkdir -p "$corpus"
cp -n tests/fuzz/corpus/* "$corpus"/
"$build/tests/fuzz_kernels" -max_total_time="$seconds" -max_len=8192 "$corpus"
