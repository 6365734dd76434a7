#!/usr/bin/env bash
# Runs clang-tidy with the project's .clang-tidy on the translation units that instantiate
# the public headers (tests/static/*.cpp, examples/*.cpp) and reports what it finds in
# include/soma (HeaderFilterRegex). Exits 1 on any finding, 0 when clean.
#
#   scripts/tidy.sh                          # configures build/tidy (nothing is built)
#   SOMA_TIDY_BUILD=<dir> scripts/tidy.sh    # or uses <dir>/compile_commands.json, made
#                                            # with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
#   CLANG_TIDY=clang-tidy-14 scripts/tidy.sh
#   scripts/tidy.sh examples/network.cpp     # only the files given
#   scripts/tidy.sh --ci                     # the files .ci/run checks: tests/static/*.cpp,
#                                            # examples/train.cpp and examples/network.cpp
#                                            # (each includes soma/soma.hpp)
#   SOMA_TIDY_JOBS=4 scripts/tidy.sh         # files checked at once (default: nproc)
# Every file: about 4 minutes of one core; --ci: about 1.5 minutes, 45 s on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

clang_tidy="${CLANG_TIDY:-clang-tidy}"
if ! command -v "$clang_tidy" >/dev/null; then
    echo "tidy: $clang_tidy not found (Debian: apt-get install clang-tidy)" >&2
    exit 2
fi

build="${SOMA_TIDY_BUILD:-build/tidy}"
if [ ! -f "$build/compile_commands.json" ]; then
    mkdir -p "$build"
    cmake -S . -B "$build" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DSOMA_BUILD_BENCHMARKS=OFF \
        >"$build/tidy-configure.log" 2>&1 || {
        cat "$build/tidy-configure.log" >&2
        echo "tidy: configuring $build failed" >&2
        exit 2
    }
fi

if [ "${1:-}" = --ci ]; then
    files=(tests/static/*.cpp examples/train.cpp examples/network.cpp)
elif [ $# -gt 0 ]; then
    files=("$@")
else
    files=(tests/static/*.cpp examples/*.cpp)
fi

jobs="${SOMA_TIDY_JOBS:-$(nproc 2>/dev/null || echo 1)}"
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
# check <index> <file>: clang-tidy on one file, its output in $logs/<index>.log and, when it
# has findings, the file $logs/<index>.found.
check() {
    # Warnings in system and other non-soma headers are suppressed by .clang-tidy's
    # HeaderFilterRegex; what remains is soma's own code.
    if ! "$clang_tidy" -p "$build" --quiet --warnings-as-errors='*' "$2" >"$logs/$1.log" 2>&1 ||
        grep -q -E '(warning|error):' "$logs/$1.log"; then
        touch "$logs/$1.found"
    fi
}
running=0
for i in "${!files[@]}"; do
    echo "tidy: ${files[$i]}"
    check "$i" "${files[$i]}" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n || true
        running=$((running - 1))
    fi
done
wait || true
findings=0
for i in "${!files[@]}"; do
    if [ -f "$logs/$i.found" ]; then
        echo "tidy: findings in ${files[$i]}:"
        grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$' "$logs/$i.log" || true
        findings=1
    fi
done

if [ "$findings" -ne 0 ]; then
    echo "tidy: clang-tidy has findings (above)" >&2
    exit 1
fi
echo "tidy: ${#files[@]} files clean"
