#!/usr/bin/env bash
# lint-diff.sh: no new sparse warning, no new W=1 compiler warning and no new
# kernel-doc warning in the files the series touches.
# sparse and W=1: the touched C files are compiled once more with
# `make C=2 W=1` in the unpatched base and in the work tree, both with the
# test config (out/base/out/test, out/test); kernel-doc: scripts/kernel-doc
# -none on every touched C file and header of both trees. Warnings are
# compared with line numbers stripped: one the base does not have, or has
# fewer of, fails, unless patches/kernel-doc-allow lists it (kernel-doc only:
# a warning that comes from the base's own malformed comment).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

export LC_ALL=C
command -v sparse >/dev/null || die "sparse missing: run scripts/deps.sh"
base_src=$OUT/base/linux base_obj=$OUT/base/out/test
[ -f "$base_obj/vmlinux" ] && [ -f "$OUT/test/vmlinux" ] ||
	die "build the patched and the base kernel first (make kernel base-kernel)"

touched=$(git -C "$KTREE" diff --name-only "$BASE_TAG..HEAD" -- '*.c' '*.h') ||
	die "cannot list the files the series touches"
touched=$(grep -v '^tools/' <<<"$touched" || true)
files=$(grep '\.c$' <<<"$touched" || true)
[ -n "$files" ] || die "the series touches no C file?"
mkdir -p "$OUT/logs"
# Warning lines of a log, paths relative to the tree, line numbers stripped.
normalize() {
	{ grep -E ':[0-9]+(:[0-9]+)?: (warning|error):' || true; } |
		sed -E 's#^.*/((mm|fs|ipc|kernel|include|arch|lib|init|drivers)/)#\1#; s/:[0-9]+(:[0-9]+)?:/:/' | sort
}
# compile_run NAME SRC OBJ: sparse and W=1 warnings of the touched files built in OBJ
compile_run() {
	local name=$1 src=$2 obj=$3 objs=() f log
	for f in $files; do
		[ -f "$src/$f" ] && [ -f "$obj/${f%.c}.o" ] && objs+=("${f%.c}.o")
	done
	[ ${#objs[@]} = 0 ] && return
	log=$OUT/logs/lint-$name.log
	make -C "$src" O="$obj" C=2 CHECK=sparse W=1 CC="ccache gcc" -j"$(nproc)" "${objs[@]}" >"$log" 2>&1 ||
		die "sparse/W=1 build in $obj failed: see $log"
	normalize <"$log"
}
# kdoc_run SRC: kernel-doc warnings of the touched files in SRC
kdoc_run() {
	local src=$1 f
	for f in $touched; do
		[ -f "$src/$f" ] || continue
		(cd "$src" && /usr/bin/perl scripts/kernel-doc -none "$f" 2>&1 || true)
	done | normalize
}
# new_lines BASE PATCHED: lines PATCHED has more often than BASE
new_lines() { comm -13 "$1" "$2"; }

rc=0
compile_run base "$base_src" "$base_obj" >"$OUT/logs/lint-base.txt"
compile_run patched "$KTREE" "$OUT/test" >"$OUT/logs/lint-patched.txt"
new=$(new_lines "$OUT/logs/lint-base.txt" "$OUT/logs/lint-patched.txt")
note "sparse + W=1: $(wc -l <"$OUT/logs/lint-base.txt") warning(s) in the base, $(wc -l <"$OUT/logs/lint-patched.txt") with the series, in $(echo "$files" | wc -w) touched C files"
if [ -n "$new" ]; then
	echo "$new" >&2
	note "the series adds $(echo "$new" | wc -l) sparse or W=1 warning(s) (above)"
	rc=1
fi

allow=$PATCHES/kernel-doc-allow
kdoc_run "$base_src" >"$OUT/logs/kdoc-base.txt"
kdoc_run "$KTREE" >"$OUT/logs/kdoc-patched.txt"
new=$(new_lines "$OUT/logs/kdoc-base.txt" "$OUT/logs/kdoc-patched.txt")
if [ -n "$new" ] && [ -f "$allow" ]; then
	while IFS='|' read -r pat why; do
		pat=$(echo "$pat" | sed 's/^ *//; s/ *$//')
		[ -z "$pat" ] || [ "${pat#\#}" != "$pat" ] && continue
		grep -qF "$pat" <<<"$new" && note "allowed kernel-doc: $pat:$why"
		new=$(grep -vF "$pat" <<<"$new" || true)
	done <"$allow"
fi
note "kernel-doc: $(wc -l <"$OUT/logs/kdoc-base.txt") warning(s) in the base, $(wc -l <"$OUT/logs/kdoc-patched.txt") with the series, in $(echo "$touched" | wc -w) touched files"
if [ -n "$new" ]; then
	echo "$new" >&2
	note "the series adds $(echo "$new" | wc -l) kernel-doc warning(s) (above)"
	rc=1
fi
[ $rc = 0 ] || die "new warnings (above)"
note "no new sparse, W=1 or kernel-doc warning"
