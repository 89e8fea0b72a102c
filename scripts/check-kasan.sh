#!/usr/bin/env bash
# check-kasan.sh: the check list on the KASAN kernel (configs/kasan.config:
# the debug config plus generic inline KASAN), judged like `make check`'s
# debug stage: any KASAN report, splat or unexpected result fails. Not a
# `make check` stage: see the README for its time under TCG.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

start=$(date +%s)
"$TOP/scripts/build-kernel.sh" "$KTREE" "$OUT/kasan" kasan
make -s -C "$TOP" tests
mkdir -p "$OUT/logs"
"$TOP/scripts/mkinitramfs.sh" "$TOP/tests/lists/check.list" "$OUT/tests" "$OUT/kasan.cpio"
boot=$(date +%s)
rc=0
"$TOP/scripts/run-guest.sh" "$OUT/kasan/arch/x86/boot/bzImage" "$OUT/kasan.cpio" \
	"$OUT/logs/kasan.log" || rc=1
"$TOP/scripts/results.sh" "$OUT/logs/kasan.log" "$TOP/tests/expect/patched.xfail" kasan || rc=1
note "KASAN kernel: check list in $(($(date +%s) - boot)) s (whole job $(($(date +%s) - start)) s)"
exit $rc
