#!/usr/bin/env bash
# demo.sh: build and boot the patched kernel and show what userfaultfd
# write-protect can do on anon, shmem and hugetlbfs memory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

S=$TOP/scripts
mkdir -p "$OUT/logs"
"$S/build-kernel.sh" "$KTREE" "$OUT/test" test
make -s -C "$KTREE" O="$OUT/headers-build" INSTALL_HDR_PATH="$OUT/headers" headers_install >/dev/null
make -s -C "$TOP/tests" O="$OUT/tests" HDR="$OUT/headers/include" KSRC="$KTREE" >/dev/null
make -s -C "$TOP/snap" O="$OUT/tests" HDR="$OUT/headers/include" >/dev/null
"$S/mkinitramfs.sh" "$TOP/tests/lists/demo.list" "$OUT/tests" "$OUT/demo.cpio"
log=$OUT/logs/demo.log
note "booting the patched kernel (QEMU TCG); serial log: ${log#"$TOP"/}"
"$S/run-guest.sh" "$OUT/test/arch/x86/boot/bzImage" "$OUT/demo.cpio" "$log"

echo
echo "userfaultfd write-protect on $(grep -m1 '^RIG: kernel' "$log" | cut -d' ' -f3):"
grep -m1 'UFFDIO_API features' "$log" | sed 's/^# # /  /'
printf '  %-16s %s\n' "memory" "result"
while IFS= read -r line; do
	[[ $line =~ ^(not\ )?ok\ [0-9]+\ selftests:\ uffd:\ probe-wp-([^ ]+) ]] || continue
	kind=${BASH_REMATCH[2]}
	if [ -z "${BASH_REMATCH[1]}" ]; then
		printf '  %-16s %s\n' "$kind" "write-protect works: WP message delivered, data intact"
	else
		why=$(grep -m1 "register MODE_WP on $kind" "$log" | sed 's/.*: //')
		printf '  %-16s %s\n' "$kind" "not supported (UFFDIO_REGISTER MODE_WP: ${why:-failed})"
	fi
done <"$log"

# The live snapshots: uffd-snap's table for each memory type.
echo
echo "live snapshots (uffd-snap: writers and a zapping thread run throughout):"
{ grep -m1 '^# type ' "$log" || true; } | sed 's/^# /  /'
{ grep -E '^# (anon|memfd|hugetlbfs)[a-z-]* +[0-9]+ ' "$log" || true; } | sed 's/^# /  /'
{ grep -E '^# (anon|memfd|hugetlbfs)[a-z-]* +wp faults' "$log" || true; } | sed 's/^# /  /'
bad=$(grep -cE '^not ok [0-9]+ selftests: uffd: snap-' "$log" || true)
[ "$bad" = 0 ] || die "$bad snapshot(s) not VERIFIED: see $log"

# The kernel must not have complained while doing it.
"$S/results.sh" "$log" /dev/null demo >/dev/null || {
	[ -f "$log.splat" ] && die "the kernel log has a splat: $log.splat"
	true
}
