#!/usr/bin/env bash
# Runs soma's test suite on Debian 12: installs the missing test dependencies (as root,
# through apt-get), then configures, builds and runs the tests with CTest.
#
#   scripts/test.sh                  # the whole suite with the default compiler (c++)
#   CXX=clang++ scripts/test.sh      # ... with another compiler
#   scripts/test.sh --quick          # unit tests only (label unit), Debug build
#   scripts/test.sh --sanitize       # the unit tests under AddressSanitizer and
#                                   # UndefinedBehaviorSanitizer (-DSOMA_SANITIZE=ON: label
#                                   # sanitize, built at -O0), build/sanitize-<compiler>;
#                                   # the preset `sanitize` builds everything with them
#   scripts/test.sh --second-compiler
#       # what a whole-suite run with the other compiler has not covered yet; .ci/run
#       # runs it for its second compiler (see below)
#   SOMA_CTEST_ARGS="-L unit" scripts/test.sh   # a subset (CTest labels: unit,
#                                   # exhaustive, kernels, packaging, docs, examples)
#
# The whole suite, in build/test-<compiler>: every test label, the unit tests (but
# fp_flags_test and guard_page_test) under AddressSanitizer and UBSan at -O0
# (SOMA_SANITIZE, tests/CMakeLists.txt; everything else with the Release flags), with
# benchmarks (their default variants, SOMA_BENCH_NATIVE=OFF, at -O1: SOMA_BENCH_OPTIMIZE=OFF,
# they are built, not run) and examples built, the hash matrix
# (SOMA_TEST_MATRIX: the hash program built with GCC and Clang for x86-64 and AArch64,
# see tests/cmake/kernels.cmake), then the AArch64 unit tests at -O1 (the hash matrix
# covers the NEON bits at -O2 and -O3): preset `aarch64`
# (cmake/toolchains/aarch64-linux-gnu.cmake) in build/aarch64, the unit tests of code with
# NEON kernels (inner products, sigmoid, step, neurons, layers, networks, tanh, softmax,
# activations, backpropagation) under qemu-aarch64.
# --second-compiler leaves out what does not need to run again for a second compiler:
# the hash matrix and the AArch64 run (both build with both compilers already), the
# exhaustive sweep (label exhaustive; the matrix compares this compiler's sigmoid bits
# with the other's), the benchmarks (they are built, not run, by the tests) and the
# examples (built and run by the first compiler).
# --quick: a Debug build (-O0, assertions on: it compiles in a third of the time) in
# build/quick-<compiler>, no benchmarks, examples or matrix; builds the target
# soma_unit_tests only and runs `ctest -L unit`.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=full
for arg in "$@"; do
  case "$arg" in
    --quick) mode=quick ;;
    --second-compiler) mode=second ;;
    --sanitize) mode=sanitize ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "scripts/test.sh: unknown option $arg (--quick, --sanitize, --second-compiler, --help)" >&2
      exit 2
      ;;
  esac
done

cxx="${CXX:-c++}"
packages=(cmake ninja-build g++ catch2 pkg-config)
if [ "$mode" = full ]; then
  packages+=(libbenchmark-dev libeigen3-dev libopenblas-dev)
fi
if [ "$mode" = full ]; then
  # The hash matrix builds with both compilers and for AArch64.
  packages+=(clang g++-aarch64-linux-gnu qemu-user)
fi
case "$cxx" in
  # libclang-rt-14-dev: the sanitizer runtimes (the unit tests of the whole suite and of
  # --sanitize run under AddressSanitizer and UBSan).
  clang++*) packages+=(clang libclang-rt-14-dev) ;;
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

jobs="$(nproc 2>/dev/null || echo 2)"
# Ninja for a new build directory; an existing one keeps the generator it was made with.
generator() {
  if [ ! -f "$1/CMakeCache.txt" ] && command -v ninja >/dev/null; then
    echo "-GNinja"
  fi
}
# part <label> <command...>: runs one part and notes its wall-clock time and result;
# every time is printed at exit. A failed configure or build stops the script; a failed
# ctest does not, so that the parts after it still run (the script then fails at the end).
times=()
failed=()
part() {
  local label=$1 start=$SECONDS status=0
  shift
  "$@" || status=$?
  if [ "$status" -eq 0 ]; then
    times+=("$(printf '%4ds  %s' $((SECONDS - start)) "$label")")
  else
    times+=("$(printf '%4ds  %s: FAILED' $((SECONDS - start)) "$label")")
    failed+=("$label")
  fi
  return "$status"
}
report_times() {
  local status=$?
  if [ ${#times[@]} -gt 0 ]; then
    echo "soma: scripts/test.sh ($mode, ${name:-}) wall-clock time per part:"
    printf '  %s\n' "${times[@]}"
  fi
  exit "$status"
}
trap report_times EXIT

name="$(basename "$cxx")"
build_type=Release
ctest_args=()
case "$mode" in
  quick)
    build="build/quick-$name"
    build_type=Debug
    options=(-DSOMA_BUILD_EXAMPLES=OFF -DSOMA_BUILD_BENCHMARKS=OFF -DSOMA_TEST_MATRIX=OFF)
    targets=(--target soma_unit_tests)
    ctest_args=(-L unit)
    ;;
  sanitize)
    build="build/sanitize-$name"
    options=(-DSOMA_SANITIZE=ON -DSOMA_BUILD_EXAMPLES=OFF -DSOMA_BUILD_BENCHMARKS=OFF
      -DSOMA_TEST_MATRIX=OFF)
    # With the sanitized unit tests, fp_flags_test in an optimized build (flags raised by
    # optimized code are its subject).
    targets=(--target soma_sanitized_tests fp_flags_test)
    ctest_args=(-L "sanitize|fp_flags")
    ;;
  second)
    build="build/test-$name"
    options=(-DSOMA_BUILD_EXAMPLES=OFF -DSOMA_BUILD_BENCHMARKS=OFF -DSOMA_TEST_MATRIX=OFF)
    targets=()
    ctest_args=(-LE exhaustive)
    ;;
  full)
    build="build/test-$name"
    options=(-DSOMA_BUILD_EXAMPLES=ON -DSOMA_BUILD_BENCHMARKS=ON -DSOMA_BENCH_NATIVE=OFF
      -DSOMA_BENCH_OPTIMIZE=OFF -DSOMA_TEST_MATRIX=ON -DSOMA_SANITIZE=ON)
    targets=()
    ;;
esac

# shellcheck disable=SC2046
part "configure ($name)" cmake -S . -B "$build" $(generator "$build") \
  -DCMAKE_BUILD_TYPE="$build_type" -DCMAKE_CXX_COMPILER="$cxx" -DSOMA_BUILD_TESTS=ON \
  "${options[@]}" || exit 1
part "build ($name)" cmake --build "$build" -j "$jobs" "${targets[@]}" || exit 1
# shellcheck disable=SC2086
part "ctest ($name)" ctest --test-dir "$build" -j "$jobs" --output-on-failure \
  "${ctest_args[@]}" ${SOMA_CTEST_ARGS:-} || true

if [ "$mode" = full ]; then
  # soma's unit tests for AArch64 (NEON kernels), run under qemu-aarch64.
  if command -v aarch64-linux-gnu-g++ >/dev/null && command -v qemu-aarch64 >/dev/null; then
    a64=build/aarch64
    # shellcheck disable=SC2046
    part "configure (aarch64)" cmake --preset aarch64 -B "$a64" $(generator "$a64") || exit 1
    # The tests of code that has NEON kernels (the others have no AArch64-specific path,
    # and building every test twice more would not fit the time budget).
    a64_tests=(inner_product_test weighted_input_test sigmoid_test step_test neuron_test
      layer_test dense_layer_test network_test tanh_test softmax_test activation_test
      backprop_test)
    part "build (aarch64)" cmake --build "$a64" -j "$jobs" --target "${a64_tests[@]}" || exit 1
    part "ctest (aarch64, qemu)" ctest --test-dir "$a64" -j "$jobs" --output-on-failure \
      -L unit -R "^($(IFS='|'; echo "${a64_tests[*]}"))\$" || true
  else
    echo "soma: SKIPPED: AArch64 unit tests (no aarch64-linux-gnu-g++ or qemu-aarch64)"
  fi
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "soma: FAILED: ${failed[*]}" >&2
  exit 1
fi
