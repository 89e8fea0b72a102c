#!/usr/bin/env bash
# Export the work tree's commits (BASE_TAG..HEAD) to patches/ as a
# `git format-patch` series with a cover letter. Deterministic: exporting
# twice changes nothing. patches/ is replaced only when the export succeeded.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -d "$KTREE/.git" ] || die "no work tree at $KTREE: run 'make tree'"
[ -z "$(git -C "$KTREE" status --porcelain -uno)" ] ||
	die "$KTREE has uncommitted changes: commit them first"
if [ "${FORCE:-0}" != 1 ] &&
	[ "$(series_hash)" != "$(cat "$KTREE/.git/series-made-from" 2>/dev/null)" ]; then
	die "patches/ changed since $KTREE was made from it: 'make tree' first, or FORCE=1 to overwrite patches/ with the tree"
fi

range=$BASE_TAG..HEAD
n=$(git -C "$KTREE" rev-list --count "$range")
tmp=$(mktemp -d "$PATCHES/.export.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ "$n" -gt 0 ]; then
	git -C "$KTREE" -c diff.noprefix=false -c format.signature= -c core.abbrev=12 \
		format-patch -q --zero-commit --no-signature --no-renames \
		--subject-prefix=PATCH -o "$tmp" "$range"
	[ "$(find "$tmp" -name '*.patch' | wc -l)" = "$n" ] ||
		die "format-patch wrote $(find "$tmp" -name '*.patch' | wc -l) patches for $n commits"

	# Cover letter: the hand-written subject and blurb from the current one,
	# a header taken from the last commit, a shortlog and a diffstat made here.
	old=$PATCHES/0000-cover-letter.patch
	subject="[PATCH 00/$(printf '%02d' "$n")] userfaultfd-wp: support shmem and hugetlbfs on 5.10"
	blurb="*** BLURB HERE ***"
	if [ -f "$old" ]; then
		subject=$(sed -n 's/^Subject: //p' "$old" | head -n 1 |
			sed -E "s|^\[PATCH 0+/[0-9]+\]|[PATCH 00/$(printf '%02d' "$n")]|")
		# The blurb: after the header's blank line, up to the shortlog.
		blurb=$(awk 'body && /^[^ ].* \([0-9]+\):$/ { exit }
			body { print }
			!body && /^$/ { body = 1 }' "$old" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}')
	fi
	{
		echo "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001"
		git -C "$KTREE" log -1 --format='From: %an <%ae>%nDate: %aD' HEAD
		echo "Subject: $subject"
		echo
		printf '%s\n\n' "$blurb"
		git -C "$KTREE" shortlog "$range" | sed -e '$d'
		echo
		git -C "$KTREE" diff --stat=72 --summary "$range"
		echo
	} >"$tmp/0000-cover-letter.patch"
fi

# Swap in the new series; patches/wip/ and other files are not touched.
find "$PATCHES" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' -delete
find "$tmp" -name '*.patch' -exec mv -t "$PATCHES" {} +
series_hash >"$KTREE/.git/series-made-from"
git -C "$KTREE" rev-parse HEAD >"$KTREE/.git/made-head"
note "exported $n patch(es) to patches/"
