#!/usr/bin/env bash
# bisect-boot.sh [FIRST [LAST]]: every patch of the series, in order, builds a
# bzImage of the test config and boots it: the guest must reach /init, run
# the smoke list (tests/lists/smoke.list: the anonymous uffd tests, which
# pass at every patch) and show no kernel splat. Slow (a kernel build per
# patch): not part of `make check`, whose bisect stage builds only the
# touched directories of the patches in between. FIRST skips earlier ones,
# LAST (default: the last patch) later ones.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

first=${1:-1} last=${2:-1000}
[[ $first =~ ^[1-9][0-9]*$ && $last =~ ^[1-9][0-9]*$ ]] ||
	die "usage: bisect-boot.sh [FIRST [LAST]] (patch numbers)"
mkdir -p "$OUT/logs"
src=$OUT/bisect/linux obj=$OUT/bisect/out/test

[ -d "$src/.git" ] || git clone -q -c gc.auto=0 --no-checkout "$KTREE" "$src"
git -C "$src" -c gc.auto=0 fetch -q "$KTREE" "+refs/heads/*:refs/remotes/tree/*" "+refs/tags/*:refs/tags/*"
"$TOP/scripts/mkinitramfs.sh" "$TOP/tests/lists/smoke.list" "$OUT/tests" "$OUT/smoke.cpio"
commits=$(git -C "$KTREE" rev-list --reverse "$BASE_TAG..HEAD")
n=0 total=$(echo "$commits" | wc -l)
[ "$first" -le "$total" ] || die "there are only $total patches"
for c in $commits; do
	n=$((n + 1))
	[ "$n" -ge "$first" ] || continue
	[ "$n" -le "$last" ] || break
	git -C "$src" checkout -q --detach "$c"
	subject=$(git -C "$src" log -1 --format=%s)
	"$TOP/scripts/kconfig.sh" "$src" "$obj" test
	start=$(date +%s)
	make -C "$src" O="$obj" -j"$(nproc)" CC="ccache gcc" bzImage >"$obj/boot-$n.log" 2>&1 ||
		die "patch $n/$total does not build: $subject (log: $obj/boot-$n.log)"
	log=$OUT/logs/bisect-boot-$n.log
	"$TOP/scripts/run-guest.sh" "$obj/arch/x86/boot/bzImage" "$OUT/smoke.cpio" "$log" 300 &&
		"$TOP/scripts/results.sh" "$log" /dev/null "patch-$n" ||
		die "patch $n/$total does not boot and pass the smoke tests: $subject (log: $log)"
	note "$n/$total boots ($(($(date +%s) - start)) s): $subject"
done
