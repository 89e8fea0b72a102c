#!/usr/bin/env bash
# check-distro.sh: the check list on Debian's own kernels, for comparison:
# debian-5.10 (the base as Debian ships it; judged by tests/expect/base.xfail)
# and debian-6.1 (upstream's implementation; tests/expect/debian-6.1.xfail).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$TOP/scripts/mkinitramfs.sh" "$TOP/tests/lists/check.list" "$OUT/tests" "$OUT/distro.cpio"
rc=0
for k in debian-5.10 debian-6.1; do
	xfail=$TOP/tests/expect/$k.xfail
	[ -f "$xfail" ] || xfail=$TOP/tests/expect/base.xfail
	img=$("$TOP/scripts/distro-kernel.sh" "$k")
	"$TOP/scripts/run-guest.sh" "$img" "$OUT/distro.cpio" "$OUT/logs/$k.log" 1800 || rc=1
	"$TOP/scripts/results.sh" "$OUT/logs/$k.log" "$xfail" "$k" || rc=1
done
exit $rc
