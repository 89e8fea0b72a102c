#!/usr/bin/env bash
# base-tree.sh: the unpatched base at out/base/linux (for baseline runs), a
# plain extraction of the base commit (no .git: nothing to edit or export
# there). Laid out like the work tree (src/../out/VARIANT) so ccache shares
# objects between the two.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dst=$OUT/base/linux
[ -d "$BASE_REPO" ] || "$TOP/scripts/mktree.sh"	# makes the base repository
want=$(git --git-dir="$BASE_REPO" rev-parse "$BASE_TAG^{commit}")
[ "$(cat "$dst/.base-commit" 2>/dev/null)" = "$want" ] && exit 0

rm -rf "$dst"
mkdir -p "$dst"
git --git-dir="$BASE_REPO" archive "$BASE_TAG" | tar -x -C "$dst" ||
	die "cannot extract $BASE_TAG into $dst"
echo "$want" >"$dst/.base-commit"
