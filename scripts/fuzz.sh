#!/usr/bin/env bash
# Differential fuzzing of soma's kernels with libFuzzer (tests/fuzz/fuzz_kernels.cpp):
# builds the target with clang++ in build/fuzz (-DSOMA_BUILD_FUZZERS=ON, ASan + UBSan, -O0:
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
# clang and its sanitizer and libFuzzer runtimes (as root, through apt-get).
missing=()
for p in cmake ninja-build clang libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "fuzz: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
build=build/fuzz
# No build type: -O0 without debug information (it compiles faster than Debug).
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE= -DCMAKE_CXX_COMPILER=clang++ \
  -DSOMA_BUILD_FUZZERS=ON -DSOMA_BUILD_EXAMPLES=OFF -DSOMA_BUILD_BENCHMARKS=OFF \
  -DSOMA_TEST_MATRIX=OFF
cmake --build "$build" --target fuzz_kernels
corpus="$build/corpus"
mkdir -p "$corpus"
cp -n tests/fuzz/corpus/* "$corpus"/
"$build/tests/fuzz_kernels" -max_total_time="$seconds" -max_len=8192 "$corpus"
