#!/usr/bin/env bash
# Runs soma's whole test suite on Debian 12: installs the missing test dependencies
# (as root, through apt-get), then configures, builds and runs every test with CTest.
#
#   scripts/test.sh                 # with the default compiler (c++)
#   CXX=clang++ scripts/test.sh     # with another compiler
#   SOMA_CTEST_ARGS="-L unit" scripts/test.sh   # a subset (CTest labels: unit,
#                                   # exhaustive, kernels, packaging, docs, examples)
set -euo pipefail
cd "$(dirname "$0")/.."

cxx="${CXX:-c++}"
packages=(cmake g++ catch2 libbenchmark-dev libeigen3-dev libopenblas-dev pkg-config
  g++-aarch64-linux-gnu qemu-user)
case "$cxx" in
  clang++*) packages+=(clang) ;;
esac
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "soma: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "soma: run as root, or install these packages first: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build="build/test-$(basename "$cxx")"
jobs="$(nproc 2>/dev/null || echo 2)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$cxx" \
  -DSOMA_BUILD_TESTS=ON -DSOMA_BUILD_EXAMPLES=ON -DSOMA_BUILD_BENCHMARKS=ON
cmake --build "$build" -j "$jobs"
# shellcheck disable=SC2086
ctest --test-dir "$build" -j "$jobs" --output-on-failure ${SOMA_CTEST_ARGS:-}
