#!/usr/bin/env bash
# Generates soma's single header from include/soma: soma/soma.hpp with every
# #include "soma/..." replaced by that header's text, recursively, at its first inclusion
# (so every header comes after the headers it depends on). System includes and include
# guards are kept as they are. A header included unconditionally is inlined once; one
# included inside #if ... #endif (e.g. only for NEON builds) is inlined there and again
# at its first unconditional inclusion, where its include guard makes the second copy
# empty when the first was compiled. The output depends only on the headers:
# regenerating from the same headers gives the same bytes.
#
#   scripts/make_single_header.sh                 # writes single_include/soma.hpp
#   scripts/make_single_header.sh <file>          # writes <file>
#   scripts/make_single_header.sh --check <file>  # exit 1 if <file> is not current
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
include_dir="$root/include"

declare -A seen=()    # headers already inlined unconditionally
declare -A active=()  # headers being inlined (an include cycle is skipped)

# inline_header <name> <conditional>: <conditional> is 1 when the inclusion is inside an
# #if block of an including file.
inline_header() {
    local name="$1" conditional="$2" line target depth=0 base=0 first_if=1
    local path="$include_dir/$name"
    if [[ ! -f "$path" ]]; then
        echo "make_single_header: $name not found in $include_dir" >&2
        exit 1
    fi
    # A *-inl.hpp file has no include guard and is inlined at every inclusion (soma's
    # kernels, once per ISA namespace).
    [[ "$conditional" == 0 && "$name" != *-inl.hpp ]] && seen["$name"]=1
    active["$name"]=1
    printf '// ---- begin %s ----\n' "$name"
    while IFS= read -r line || [[ -n "$line" ]]; do
        if [[ "$line" =~ ^[[:space:]]*#[[:space:]]*(if|ifdef|ifndef)([[:space:]]|$) ]]; then
            # The header's include guard is its first conditional: #ifndef SOMA_..._HPP.
            if ((first_if)) && [[ "$line" =~ ^#ifndef[[:space:]]+SOMA_[A-Z0-9_]*_HPP[[:space:]]*$ ]]; then
                base=1
            fi
            first_if=0
            depth=$((depth + 1))
        elif [[ "$line" =~ ^[[:space:]]*#[[:space:]]*endif([[:space:]]|$) ]]; then
            depth=$((depth - 1))
        fi
        if [[ "$line" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"\<](soma/[^\"\>]+)[\"\>] ]]; then
            target="${BASH_REMATCH[1]}"
            if [[ -z "${seen[$target]:-}" && -z "${active[$target]:-}" ]]; then
                if [[ "$conditional" == 1 ]] || ((depth > base)); then
                    inline_header "$target" 1
                else
                    inline_header "$target" 0
                fi
            fi
        else
            printf '%s\n' "$line"
        fi
    done <"$path"
    unset 'active[$name]'
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
    inline_header soma/soma.hpp 0
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
