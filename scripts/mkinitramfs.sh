#!/usr/bin/env bash
# mkinitramfs.sh LIST TESTDIR OUTPUT: busybox + guest/init + the test
# binaries in TESTDIR + LIST as /tests/list, written with gen_init_cpio.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

list=$1 testdir=$2 output=$3
busybox=/bin/busybox
[ -x "$busybox" ] || die "no $busybox (apt-get install busybox-static)"
readelf -l "$busybox" | grep -q INTERP && die "$busybox is not static (apt-get install busybox-static)"
gen=$OUT/gen_init_cpio
if [ ! -x "$gen" ] || [ "$gen" -ot "$KTREE/usr/gen_init_cpio.c" ]; then
	mkdir -p "$OUT"
	gcc -O2 -o "$gen" "$KTREE/usr/gen_init_cpio.c" || die "cannot build gen_init_cpio"
fi
[ -f "$list" ] || die "no test list $list"

desc=$(mktemp)
trap 'rm -f "$desc"' EXIT
{
	for d in /bin /dev /proc /sys /tmp /mnt /tests; do echo "dir $d 755 0 0"; done
	echo "nod /dev/console 600 0 0 c 5 1"
	echo "nod /dev/null 666 0 0 c 1 3"
	echo "file /bin/busybox $busybox 755 0 0"
	echo "slink /bin/sh busybox 777 0 0"
	echo "file /init $TOP/guest/init 755 0 0"
	echo "file /tests/list $(realpath "$list") 644 0 0"
	for t in "$testdir"/*; do
		[ -f "$t" ] && [ -x "$t" ] && echo "file /tests/$(basename "$t") $(realpath "$t") 755 0 0"
	done
} >"$desc"
"$gen" "$desc" >"$output" || die "gen_init_cpio failed"
