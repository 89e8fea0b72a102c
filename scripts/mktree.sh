#!/usr/bin/env bash
# Make the kernel work tree: the pinned base as the first (tagged) commit,
# then `git am` of every patch in patches/. Refuses to replace a tree that
# holds work not in patches/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

git_base() {
	git -c user.name=base -c user.email=base@localhost \
		-c core.autocrlf=false "$@"
}

# The base repository, made once per machine: same commit id everywhere.
make_base_repo() {
	local tarball tmp
	tarball=$("$TOP/scripts/fetch-base.sh")
	tmp=$(mktemp -d "$CACHE/base.XXXXXX")
	note "committing the base tree (once per machine, ~1 min)"
	tar -xf "$tarball" -C "$tmp"
	local src
	src=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d)
	[ -f "$src/Makefile" ] || die "unexpected tarball layout in $tarball"
	(
		cd "$src"
		export GIT_AUTHOR_DATE="2024-08-01T00:00:00Z" GIT_COMMITTER_DATE="2024-08-01T00:00:00Z"
		git_base init -q
		git_base add -A -f .
		git_base commit -q -m "Linux 5.10.223 (Debian linux-source-5.10 5.10.223-1)"
		git_base tag "$BASE_TAG"
	)
	rm -rf "$BASE_REPO.tmp"
	git clone -q --bare "$src" "$BASE_REPO.tmp"
	mv "$BASE_REPO.tmp" "$BASE_REPO"
	rm -rf "$tmp"
}

patch_ids() { git patch-id --stable | cut -d' ' -f1 | sort; }

# Is the tree exactly base + patches/ (clean, same changes)?
tree_matches_series() {
	[ -z "$(git -C "$KTREE" status --porcelain -uno)" ] || return 1
	[ "$(git -C "$KTREE" log -p "$BASE_TAG..HEAD" | patch_ids)" = \
	  "$(series_patches | while read -r p; do patch_ids <"$p"; done | sort)" ]
}

# The tree differs from patches/. Replacing it loses nothing only if it is
# still what it was made from (patches/ moved on, e.g. after a git pull).
tree_is_stale_copy() {
	[ -z "$(git -C "$KTREE" status --porcelain -uno)" ] &&
	[ "$(git -C "$KTREE" rev-parse HEAD)" = "$(cat "$KTREE/.git/made-head" 2>/dev/null)" ]
}

if [ -d "$KTREE/.git" ] && [ "${FORCE:-0}" != 1 ]; then
	if tree_matches_series; then
		note "$KTREE is up to date with patches/"
		exit 0
	fi
	tree_is_stale_copy ||
		die "$KTREE holds commits or edits not in patches/: run 'make export' first (or FORCE=1 make tree to discard them)"
fi

[ -d "$BASE_REPO" ] && git -C "$BASE_REPO" rev-parse -q --verify "refs/tags/$BASE_TAG" >/dev/null ||
	make_base_repo

new=$KTREE.new
rm -rf "$new"
git clone -q --no-checkout "$BASE_REPO" "$new"
git -C "$new" checkout -q -b series "$BASE_TAG"
git -C "$new" config user.name "$(git -C "$TOP" config user.name || echo 'uffd-wp developer')"
git -C "$new" config user.email "$(git -C "$TOP" config user.email || echo 'dev@localhost')"
git -C "$new" config am.threeWay false
# No background "gc --auto" after git am: it would still be pruning loose
# objects while bisect-build.sh clones this tree (a clone missing objects).
git -C "$new" config gc.auto 0

n=0
while read -r p; do
	if ! git -C "$new" am -q --keep-cr "$p" >/dev/null 2>"$new.am.log"; then
		git -C "$new" am --abort 2>/dev/null || true
		die "patch does not apply: ${p#"$TOP"/} (see $new.am.log; tree left in $new)"
	fi
	n=$((n + 1))
done < <(series_patches)
rm -f "$new.am.log"

series_hash >"$new/.git/series-made-from"
git -C "$new" rev-parse HEAD >"$new/.git/made-head"
rm -rf "$KTREE"
mv "$new" "$KTREE"
note "$KTREE: $BASE_TAG + $n patch(es)"
