#!/usr/bin/env bash
# cocci-diff.sh: no new coccinelle report in the C files the series touches.
# Runs every semantic patch of scripts/coccinelle in report mode (as
# `make coccicheck MODE=report` does) over a copy of just those files, in the
# unpatched base and in the work tree, and compares the reports with line
# numbers stripped: one the base does not have, or has fewer of, fails.
# A run's report is cached under $CACHE/cocci by the hash of its inputs (the
# files, the semantic patches, spatch's version): the same input gives the
# same report, so an unchanged tree costs nothing the second time.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

export LC_ALL=C
command -v spatch >/dev/null || die "spatch missing: run scripts/deps.sh"
base_src=$OUT/base/linux
[ -d "$base_src/scripts/coccinelle" ] || die "no base tree in $base_src (scripts/base-tree.sh)"

files=$(git -C "$KTREE" diff --name-only "$BASE_TAG..HEAD" -- '*.c' | grep -v '^tools/') ||
	die "cannot list the files the series touches"
mkdir -p "$OUT/logs" "$CACHE/cocci"

# cocci_run NAME SRC: the normalized reports of the touched files in SRC
cocci_run() {
	local name=$1 src=$2 key work log c f
	key=$( {
		spatch --version | head -n 1
		dpkg-query -W -f='${Package} ${Version}\n' coccinelle ocaml-nox 2>/dev/null || true
		for f in $files; do [ -f "$src/$f" ] && echo "$f" && cat "$src/$f"; done
		find "$src/scripts/coccinelle" -name '*.cocci' | sort | xargs cat
	} | sha256sum | cut -d' ' -f1)
	if [ ! -f "$CACHE/cocci/$key" ]; then
		work=$(mktemp -d)
		for f in $files; do
			[ -f "$src/$f" ] || continue
			mkdir -p "$work/$(dirname "$f")"
			cp "$src/$f" "$work/$f"
		done
		log=$OUT/logs/cocci-$name.log
		: >"$log"
		# spatch --jobs leaves its workers' output files in the current directory.
		mkdir "$work/.cwd"
		for c in $(find "$src/scripts/coccinelle" -name '*.cocci' | sort); do
			echo "== $c" >>"$log"
			(cd "$work/.cwd" && timeout 600 spatch -D report --no-show-diff --very-quiet --cocci-file "$c" \
				--dir "$work" --jobs "$(nproc)" --chunksize 1 \
				-I "$src/include" -I "$src/include/uapi" -I "$src/arch/x86/include" \
				-I "$src/arch/x86/include/uapi") >>"$log" 2>&1 ||
				echo "spatch failed or timed out: $c" >>"$log"
		done
		rm -rf "$work"
		# A semantic patch that cannot run in the series but can in the
		# base is a new finding too.
		{
			{ grep -E "^$work/" "$log" || true; } | sed -E "s#^$work/##; s/[0-9]+/N/g"
			sed -n "s#^spatch failed or timed out: $src/#FAILED: #p" "$log"
		} | sort >"$CACHE/cocci/$key.tmp"
		mv "$CACHE/cocci/$key.tmp" "$CACHE/cocci/$key"
	fi
	cat "$CACHE/cocci/$key"
}
start=$(date +%s)
cocci_run base "$base_src" >"$OUT/logs/cocci-base.txt"
cocci_run patched "$KTREE" >"$OUT/logs/cocci-patched.txt"
new=$(comm -13 "$OUT/logs/cocci-base.txt" "$OUT/logs/cocci-patched.txt")
note "$(wc -l <"$OUT/logs/cocci-base.txt") report(s) in the base, $(wc -l <"$OUT/logs/cocci-patched.txt") with the series, in $(echo "$files" | wc -w) touched files ($(($(date +%s) - start)) s)"
if [ -n "$new" ]; then
	echo "$new" >&2
	die "the series adds $(echo "$new" | wc -l) coccinelle report(s) (above)"
fi
note "no new coccinelle report"
