#!/usr/bin/env bash
# sparse-diff.sh: no new sparse warning in the C files the series touches.
# Runs sparse (make C=2) over those files in the unpatched base and in the
# work tree, both built with the test config (out/base/out/test, out/test),
# and compares the warnings with line numbers stripped: one the base does not
# have, or has fewer of, fails. Prints what it found.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

export LC_ALL=C
command -v sparse >/dev/null || die "sparse missing: run scripts/deps.sh"
base_src=$OUT/base/linux base_obj=$OUT/base/out/test
[ -f "$base_obj/vmlinux" ] && [ -f "$OUT/test/vmlinux" ] ||
	die "build the patched and the base kernel first (make kernel base-kernel)"

files=$(git -C "$KTREE" diff --name-only "$BASE_TAG..HEAD" -- '*.c') ||
	die "cannot list the files the series touches"
files=$(grep -v '^tools/' <<<"$files" || true)
[ -n "$files" ] || die "the series touches no C file?"
mkdir -p "$OUT/logs"
# sparse_run SRC OBJ: normalized warnings of the touched files built in OBJ
sparse_run() {
	local src=$1 obj=$2 objs=() f
	for f in $files; do
		[ -f "$src/$f" ] && [ -f "$obj/${f%.c}.o" ] && objs+=("${f%.c}.o")
	done
	[ ${#objs[@]} = 0 ] && return
	local log=$OUT/logs/sparse-$(basename "$obj").log
	make -C "$src" O="$obj" C=2 CHECK="sparse" CC="ccache gcc" -j"$(nproc)" "${objs[@]}" >"$log" 2>&1 ||
		die "sparse run in $obj failed: see $log"
	{ grep -E ':[0-9]+:[0-9]+: (warning|error):' "$log" || true; } |
		sed -E 's#^.*/((mm|fs|ipc|kernel|include|arch|lib)/)#\1#; s/:[0-9]+:[0-9]+:/:/' | sort
}
sparse_run "$base_src" "$base_obj" >"$OUT/logs/sparse-base.txt"
sparse_run "$KTREE" "$OUT/test" >"$OUT/logs/sparse-patched.txt"
new=$(comm -13 "$OUT/logs/sparse-base.txt" "$OUT/logs/sparse-patched.txt")
note "$(wc -l <"$OUT/logs/sparse-base.txt") warning(s) in the base, $(wc -l <"$OUT/logs/sparse-patched.txt") with the series, in $(echo "$files" | wc -w) touched files"
if [ -n "$new" ]; then
	echo "$new" >&2
	die "the series adds $(echo "$new" | wc -l) sparse warning(s) (above)"
fi
note "no new sparse warning"
