#!/usr/bin/env bash
# Generates soma's single header from include/soma: soma/soma.hpp with every
# #include "soma/..." replaced by that header's text, recursively, each header once, at
# its first inclusion (so every header comes after the headers it depends on). System
# includes and include guards are kept as they are. The output depends only on the
# headers: regenerating from the same headers gives the same bytes.
#
#   scripts/make_single_header.sh                 # writes single_include/soma.hpp
#   scripts/make_single_header.sh <file>          # writes <file>
#   scripts/make_single_header.sh --check <file>  # exit 1 if <file> is not current
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
include_dir="$root/include"

declare -A seen=()

inline_header() {
    local name="$1" line target
    local path="$include_dir/$name"
    if [[ ! -f "$path" ]]; then
        echo "make_single_header: $name not found in $include_dir" >&2
        exit 1
    fi
    seen["$name"]=1
    printf '// ---- begin %s ----\n' "$name"
    while IFS= read -r line || [[ -n "$line" ]]; do
        if [[ "$line" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"\<](soma/[^\"\>]+)[\"\>] ]]; then
            target="${BASH_REMATCH[1]}"
            if [[ -z "${seen[$target]:-}" ]]; then
                inline_header "$target"
            fi
        else
            printf '%s\n' "$line"
        fi
    done <"$path"
    printf '// ---- end %s ----\n' "$name"
}

generate() {
    local version
    version="$(sed -n 's/^#define SOMA_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' \
        "$include_dir/soma/version.hpp" | paste -sd.)"
    printf '%s\n' \
        "// soma $version - single-header edition of <soma/soma.hpp>." \
        "//" \
        "// Generated from include/soma by scripts/make_single_header.sh; do not edit." \
        "// The MIT license of soma applies (see LICENSE in the soma repository)." \
        "// Use it as <soma/soma.hpp> or under any name; it needs only C++20."
    inline_header soma/soma.hpp
}

if [[ "${1:-}" == "--check" ]]; then
    committed="${2:?usage: make_single_header.sh --check <file>}"
    if ! generate | cmp -s - "$committed"; then
        echo "make_single_header: $committed is not current;" \
            "regenerate it with scripts/make_single_header.sh" >&2
        generate | diff -u "$committed" - | head -40 >&2 || true
        exit 1
    fi
    echo "make_single_header: $committed is current"
else
    out="${1:-$root/single_include/soma.hpp}"
    mkdir -p "$(dirname "$out")"
    generate >"$out.tmp"
    mv "$out.tmp" "$out"
    echo "make_single_header: wrote $out"
fi
