#!/usr/bin/env bash
# bisect-build.sh [VARIANT]: every patch of the series, in order, must build.
# Builds the directories the series touches (mm/ fs/ kernel/ ipc/ arch/x86/mm/)
# at each patch, and the whole bzImage at the first and the last, in a separate
# checkout (out/bisect/linux) laid out like the work tree to share ccache.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:-test}
src=$OUT/bisect/linux obj=$OUT/bisect/out/$variant

[ -d "$src/.git" ] || git clone -q -c gc.auto=0 --no-checkout "$KTREE" "$src"
git -C "$src" -c gc.auto=0 fetch -q "$KTREE" "+refs/heads/*:refs/remotes/tree/*" "+refs/tags/*:refs/tags/*"
commits=$(git -C "$KTREE" rev-list --reverse "$BASE_TAG..HEAD")
n=0 total=$(echo "$commits" | wc -l)
for c in $commits; do
	n=$((n + 1))
	git -C "$src" checkout -q --detach "$c"
	subject=$(git -C "$src" log -1 --format=%s)
	"$TOP/scripts/kconfig.sh" "$src" "$obj" "$variant"
	targets=(mm/ fs/ kernel/ ipc/ arch/x86/mm/)
	if [ "$n" = 1 ] || [ "$n" = "$total" ]; then targets=(bzImage); fi
	start=$(date +%s)
	if ! make -C "$src" O="$obj" -j"$(nproc)" CC="ccache gcc" "${targets[@]}" >"$obj/bisect-$n.log" 2>&1; then
		grep -E 'error' "$obj/bisect-$n.log" | head -n 5 >&2 || true
		die "patch $n/$total does not build: $subject (log: $obj/bisect-$n.log)"
	fi
	w=$(grep -c 'warning:' "$obj/bisect-$n.log" || true)
	[ "$w" = 0 ] || die "patch $n/$total adds $w compiler warning(s): $subject (log: $obj/bisect-$n.log)"
	note "$n/$total ok ($(($(date +%s) - start)) s, ${targets[*]}): $subject"
done
