#!/usr/bin/env bash
# roundtrip.sh: patches/ -> fresh work tree -> export must give back patches/
# byte for byte (the series workflow is lossless and deterministic).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d "$OUT/roundtrip.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/patches"
cp -a "$PATCHES"/. "$tmp/patches/"
PATCHES=$tmp/patches KTREE=$tmp/linux "$TOP/scripts/mktree.sh" 2>/dev/null
PATCHES=$tmp/patches KTREE=$tmp/linux "$TOP/scripts/export.sh" 2>/dev/null
# Once more: exporting an exported tree changes nothing either.
PATCHES=$tmp/patches KTREE=$tmp/linux "$TOP/scripts/export.sh" 2>/dev/null
if ! diff -r -x '.export.*' "$PATCHES" "$tmp/patches" >"$tmp/diff"; then
	head -n 40 "$tmp/diff" >&2
	die "patches/ -> tree -> export is not lossless (diff above)"
fi
note "patches/ -> tree -> export -> export: identical ($(series_patches | wc -l) patches)"
