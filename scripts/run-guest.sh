#!/usr/bin/env bash
# run-guest.sh KERNEL INITRAMFS LOG [TIMEOUT]: boot under QEMU TCG with two
# NUMA nodes, stream the serial console to LOG. Fails if the guest does not
# reach the end of its test list (hang, panic, timeout).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernel=$1 initrd=$2 log=$3 limit=${4:-1800}
[ -f "$kernel" ] || die "no kernel image $kernel"
mem_node=${GUEST_NODE_MB:-2048}
append="console=ttyS0 loglevel=7 oops=panic panic=-1 rig.hugepages=${GUEST_HUGEPAGES:-160} rig.zram=${GUEST_ZRAM:-256M} ${GUEST_APPEND:-}"

accel=(-accel tcg,thread=multi)
[ -n "${GUEST_ICOUNT:-}" ] && accel=(-accel tcg -icount "shift=$GUEST_ICOUNT,sleep=off")

rc=0
timeout --foreground -k 10 "$limit" qemu-system-x86_64 "${accel[@]}" -cpu max \
	-smp 2,sockets=2,cores=1,threads=1 -m $((2 * mem_node))M \
	-object memory-backend-ram,id=m0,size=${mem_node}M \
	-object memory-backend-ram,id=m1,size=${mem_node}M \
	-numa node,nodeid=0,cpus=0,memdev=m0 -numa node,nodeid=1,cpus=1,memdev=m1 \
	-kernel "$kernel" -initrd "$initrd" -append "$append" \
	-display none -serial stdio -monitor none -no-reboot </dev/null >"$log" 2>&1 || rc=$?
sed -i "s/\r$//" "$log"
if [ $rc = 124 ] || [ $rc = 137 ]; then
	die "guest timed out after ${limit}s (last test: $(grep '^# RUN' "$log" | tail -n 1 | cut -c3-)); log: $log"
fi
[ $rc = 0 ] || die "qemu exited with status $rc; log: $log"
grep -q '^RIG: done' "$log" ||
	die "guest stopped before the end of its tests (panic or crash?); log: $log"
