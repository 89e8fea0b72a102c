#!/usr/bin/env bash
# check.sh: everything `make check` runs. Build failures stop at once; test
# stages all run so one pass shows every failure. Ends with the closing line
# "N passed, N failed, N skipped".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

S=$TOP/scripts
LOGS=$OUT/logs
mkdir -p "$LOGS"
rm -f "$LOGS"/*.counts
t0=$(date +%s)
stage() { printf '\n### %s (%ds)\n' "$1" $(($(date +%s) - t0)); }
failed=()

# A non-test gate: counts as one pass or one fail. Its output is kept, so
# the summary can repeat why a gate failed where a CI log's tail shows it.
gate() {
	local name=$1; shift
	if "$@" 2>&1 | tee "$LOGS/$name.out"; then echo "1 0 0 0" >"$LOGS/$name.counts"
	else echo "0 1 0 0" >"$LOGS/$name.counts"; failed+=("$name"); fi
}

# Boot KERNEL with LIST, judge it against XFAIL.
guest() {
	local name=$1 kernel=$2 list=$3 xfail=$4
	"$S/mkinitramfs.sh" "$list" "$OUT/tests" "$OUT/$name.cpio"
	local ok=1
	rm -f "$LOGS/$name.log.counts"
	"$S/run-guest.sh" "$kernel" "$OUT/$name.cpio" "$LOGS/$name.log" || ok=0
	"$S/results.sh" "$LOGS/$name.log" "$xfail" "$name" 2>&1 | tee "$LOGS/$name.out" || ok=0
	[ -f "$LOGS/$name.log.counts" ] || echo "0 1 0 0" >"$LOGS/$name.log.counts"
	[ $ok = 1 ] || failed+=("$name")
}

# The 1 GiB page list: two of them, reserved at boot, fit in 3 GiB nodes.
gigantic() {
	GUEST_NODE_MB=3072 GUEST_APPEND="hugepagesz=1G hugepages=2" \
		guest "$1" "$2" "$TOP/tests/lists/gigantic.list" "$3"
}

stage "dependencies"
"$S/deps.sh"
stage "base and work tree"
"$S/mktree.sh"
stage "series round trip"
gate roundtrip "$S/roundtrip.sh"
stage "checkpatch --strict"
gate checkpatch "$S/checkpatch.sh"
stage "bisect: every patch builds in order, no new warning"
gate bisect "$S/bisect-build.sh"
stage "other architectures: i386, arm64 and s390 build the touched code, no warning"
gate cross-i386 "$S/cross-build.sh" i386
gate cross-arm64 "$S/cross-build.sh" arm64
gate cross-s390 "$S/cross-build.sh" s390
stage "patched kernel"
"$S/build-kernel.sh" "$KTREE" "$OUT/test" test
stage "tests"
make -s -C "$KTREE" O="$OUT/headers-build" INSTALL_HDR_PATH="$OUT/headers" headers_install >/dev/null ||
	die "headers_install failed"
make -s -C "$TOP/tests" O="$OUT/tests" HDR="$OUT/headers/include" KSRC="$KTREE" >/dev/null ||
	die "test build failed"
make -s -C "$TOP/snap" O="$OUT/tests" HDR="$OUT/headers/include" >/dev/null ||
	die "uffd-snap build failed"
make -s -C "$TOP/fuzz" O="$OUT/tests" HDR="$OUT/headers/include" >/dev/null ||
	die "uffd-fuzz build failed"
make -s -C "$TOP/bench" O="$OUT/tests" HDR="$OUT/headers/include" >/dev/null ||
	die "uffd-bench build failed"
stage "rig self-check: the judge must catch a failure, a timeout, a splat"
gate rig-selfcheck "$S/rig-selfcheck.sh" "$OUT/test/arch/x86/boot/bzImage"
stage "patched kernel: tests"
guest patched "$OUT/test/arch/x86/boot/bzImage" "$TOP/tests/lists/check.list" "$TOP/tests/expect/patched.xfail"
stage "patched kernel: 1 GiB pages (huge ptes at the pud level)"
gigantic patched-1g "$OUT/test/arch/x86/boot/bzImage" "$TOP/tests/expect/patched.xfail"
stage "debug kernel (lockdep, DEBUG_VM, DEBUG_PAGEALLOC, ...)"
"$S/build-kernel.sh" "$KTREE" "$OUT/debug" debug
stage "debug kernel: tests"
guest debug "$OUT/debug/arch/x86/boot/bzImage" "$TOP/tests/lists/check.list" "$TOP/tests/expect/patched.xfail"
gigantic debug-1g "$OUT/debug/arch/x86/boot/bzImage" "$TOP/tests/expect/patched.xfail"
stage "kernel without CONFIG_PTE_MARKER_UFFD_WP: no feature bit, WP on shmem/hugetlbfs is EINVAL"
"$S/build-kernel.sh" "$KTREE" "$OUT/nomarker" nomarker
guest nomarker "$OUT/nomarker/arch/x86/boot/bzImage" "$TOP/tests/lists/nomarker.list" "$TOP/tests/expect/nomarker.xfail"
stage "unpatched base kernel"
"$S/base-tree.sh"
"$S/build-kernel.sh" "$OUT/base/linux" "$OUT/base/out/test" test
stage "unpatched base: the feature tests must fail there"
guest base "$OUT/base/out/test/arch/x86/boot/bzImage" "$TOP/tests/lists/check.list" "$TOP/tests/expect/base.xfail"
gigantic base-1g "$OUT/base/out/test/arch/x86/boot/bzImage" "$TOP/tests/expect/base.xfail"
stage "lint: no new sparse, W=1 or kernel-doc warning in the touched files"
gate lint "$S/lint-diff.sh"
stage "coccinelle: no new report in the touched files"
gate coccinelle "$S/cocci-diff.sh"
stage "config matrix: the touched code builds with its dependencies switched off"
gate config-matrix "$S/config-matrix.sh"

stage "summary"
read -r p f s x < <(cat "$LOGS"/*.counts | awk '{ p += $1; f += $2; s += $3; x += $4 } END { print p, f, s, x }')
echo "expected failures: $x (listed in tests/expect/*.xfail, each failing the expected way)"
[ ${#failed[@]} = 0 ] || echo "failed stages: ${failed[*]}"
for name in "${failed[@]}"; do
	[ -f "$LOGS/$name.out" ] || continue
	echo "--- $name, last lines:"
	tail -n 8 "$LOGS/$name.out"
done
echo "time: $(($(date +%s) - t0)) s"
echo "$p passed, $f failed, $((s + x)) skipped"
[ "$f" = 0 ]
