#!/usr/bin/env bash
# soak.sh [--kernel BZIMAGE] [--seconds S] [--seed N] [--workers K]: a long run
# of the uffd-wp fuzzer (fuzz/, uffd-fuzz) in the guest, every memory type at
# once for S seconds (default 600) on BZIMAGE (default: the debug kernel).
# Prints the operations and operations per second of each type; fails on a
# fuzzer failure (printing the seed to reproduce it), a timeout or a kernel
# splat, as judged by results.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	echo "usage: $(basename "$0") [--kernel BZIMAGE] [--seconds S] [--seed N] [--workers K]"
}

kernel=$OUT/debug/arch/x86/boot/bzImage seconds=600 seed='' workers=2
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=${2:?}; shift 2 ;;
	--seconds) seconds=${2:?}; shift 2 ;;
	--seed) seed=${2:?}; shift 2 ;;
	--workers) workers=${2:?}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument '$1'" ;;
	esac
done
[[ $seconds =~ ^[1-9][0-9]*$ ]] || die "--seconds wants a positive number"
[[ $workers =~ ^[1-9][0-9]*$ ]] || die "--workers wants a positive number"
[ -f "$kernel" ] || die "no kernel image $kernel (build it, or give --kernel)"
[ -n "$seed" ] || seed=$(($(od -An -N4 -tu4 /dev/urandom) % 1000000000))
[[ $seed =~ ^[0-9]+$ ]] || die "--seed wants a number"

hdr=$OUT/headers/include
if [ ! -f "$hdr/linux/userfaultfd.h" ]; then
	note "installing the uapi headers into $OUT/headers"
	make -s -C "$KTREE" O="$OUT/headers-build" INSTALL_HDR_PATH="$OUT/headers" \
		headers_install >/dev/null || die "headers_install failed"
fi
dir=$OUT/soak
mkdir -p "$dir/bin" "$OUT/logs"
make -s -C "$TOP/fuzz" O="$dir/bin" HDR="$hdr" || die "building the fuzzer failed"

# One test: the fuzzer's own watchdog reports a hang (a step over 120 s);
# the guest's timeout is the backstop.
echo "soak $((seconds + 300)) uffd-fuzz --seed $seed --seconds $seconds --workers $workers" \
	>"$dir/soak.list"
"$TOP/scripts/mkinitramfs.sh" "$dir/soak.list" "$dir/bin" "$dir/soak.cpio"
log=$OUT/logs/soak.log
note "seed $seed, $seconds s, $workers workers, kernel ${kernel#"$TOP"/}; log ${log#"$TOP"/}"

rc=0
"$TOP/scripts/run-guest.sh" "$kernel" "$dir/soak.cpio" "$log" $((seconds + 900)) || rc=1
if [ -f "$log" ]; then
	grep -E '^# (SKIP|type |operations|PASS|FAIL)' "$log" | sed 's/^# //' || true
fi
"$TOP/scripts/results.sh" "$log" /dev/null "soak (seed $seed)" || rc=1
[ $rc = 0 ] || echo "reproduce: $(basename "$0") --kernel $kernel --seconds $seconds --seed $seed --workers $workers"
exit $rc
