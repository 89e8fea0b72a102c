#!/usr/bin/env bash
# rig-selfcheck.sh KERNEL: the judge must be able to fail. Boots a list with a
# passing test, a failing one, one that times out and one that puts a
# WARNING into the kernel log; results.sh must report exactly those.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel=$1 log=$OUT/logs/rig-selfcheck.log
"$TOP/scripts/mkinitramfs.sh" "$TOP/tests/lists/rig-selfcheck.list" /nonexistent "$OUT/rig-selfcheck.cpio"
"$TOP/scripts/run-guest.sh" "$kernel" "$OUT/rig-selfcheck.cpio" "$log" 120
if out=$("$TOP/scripts/results.sh" "$log" /dev/null rig-selfcheck); then
	echo "$out"
	die "the judge passed a run with a failing test, a timeout and a kernel WARNING"
fi
want="PASS rig-pass|FAIL rig-fail exit=1|FAIL rig-timeout TIMEOUT|PASS rig-splat|SPLAT (kernel log)"
got=$(echo "$out" | awk '$1 ~ /^(PASS|FAIL|SPLAT)$/ && $2 !~ /^kunit:/ { print $1, $2 ($3 ? " " $3 : "") }' |
	paste -sd'|')
# Its failures are the point: they are not results of the project's tests.
rm -f "$log.counts"
[ "$got" = "$want" ] || die "judge verdicts '$got', expected '$want'"
note "the judge fails a failing test, a timeout and a kernel WARNING"
