#!/usr/bin/env bash
# Checks that every C++ file under include/ tests/ examples/ bench/ is formatted as
# .clang-format says. Prints the differences and exits 1 if any file is not.
#
#   scripts/check_format.sh                       # uses clang-format from PATH
#   CLANG_FORMAT=clang-format-14 scripts/check_format.sh
# To fix: clang-format -i <file>...
set -euo pipefail
cd "$(dirname "$0")/.."

clang_format="${CLANG_FORMAT:-clang-format}"
if ! command -v "$clang_format" >/dev/null; then
    echo "check_format: $clang_format not found (Debian: apt-get install clang-format)" >&2
    exit 2
fi

files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(
    find include tests examples bench -type f \( -name '*.hpp' -o -name '*.cpp' \) \
        -print0 2>/dev/null | sort -z)
if [ ${#files[@]} -eq 0 ]; then
    echo "check_format: no files found" >&2
    exit 2
fi

if "$clang_format" --dry-run -Werror "${files[@]}"; then
    echo "check_format: ${#files[@]} files formatted as .clang-format says"
else
    echo "check_format: files above differ from .clang-format; fix with: $clang_format -i <file>" >&2
    exit 1
fi
