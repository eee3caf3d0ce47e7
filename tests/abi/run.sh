#!/usr/bin/env bash
# The shared library's binary interface: the dynamic symbols it defines must be
# exactly the functions include/neurofuse.h declares with NF_API (no internal
# function, no symbol of a static dependency, none missing).
# Usage: tests/abi/run.sh LIBNEUROFUSE.so HEADER
set -euo pipefail
lib=$1 header=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Declarations may span lines: join each NF_API declaration up to its '('.
tr '\n' ' ' < "$header" | grep -o 'NF_API [a-z][^;{(#/]*(' |
    sed -E 's/.*[^A-Za-z0-9_](nf_[A-Za-z0-9_]+) *\($/\1/' | grep '^nf_' | sort -u > "$work/header"
nm -D --defined-only "$lib" | awk '$2 ~ /^[TtWwDdBbRrVvi]$/ {print $3}' | sed 's/@.*//' |
    sort -u > "$work/library"

[ -s "$work/header" ] || { echo "FAIL: no NF_API declaration found in $header"; exit 1; }
if ! diff -u "$work/header" "$work/library" > "$work/diff"; then
    echo "FAIL: exported symbols differ from the header (- header only, + library only):"
    grep '^[-+][^-+]' "$work/diff"
    exit 1
fi
echo "abi: $(wc -l < "$work/header") functions, exactly the header's"
