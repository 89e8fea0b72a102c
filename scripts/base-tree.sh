#!/usr/bin/env bash
# base-tree.sh: the unpatched base at out/base/linux (for baseline runs).
# Laid out like the work tree (src/../out/VARIANT) so ccache shares objects.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dst=$OUT/base/linux
if [ -d "$dst/.git" ] && [ "$(git -C "$dst" describe --tags --exact-match 2>/dev/null)" = "$BASE_TAG" ] &&
	[ -z "$(git -C "$dst" status --porcelain -uno)" ]; then
	exit 0
fi
[ -d "$BASE_REPO" ] || "$TOP/scripts/mktree.sh"	# makes the base repository
rm -rf "$dst"
mkdir -p "$(dirname "$dst")"
git clone -q --no-checkout "$BASE_REPO" "$dst"
git -C "$dst" checkout -q "$BASE_TAG"
