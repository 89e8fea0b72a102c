#!/usr/bin/env bash
# distro-kernel.sh debian-5.10|debian-6.1: download a Debian kernel image
# (cached) and print the path of its vmlinuz.
#   debian-5.10: bullseye's linux-image-5.10.0-32-amd64-unsigned 5.10.223-1,
#                the unpatched base as Debian ships it;
#   debian-6.1:  bookworm's current linux-image-amd64, upstream's
#                implementation of this feature (PTE_MARKER_UFFD_WP=y).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dir=$CACHE/distro
mkdir -p "$dir"
case ${1:-} in
debian-5.10) pkg=linux-image-5.10.0-32-amd64-unsigned=5.10.223-1 ;;
debian-6.1)
	(cd "$dir" && apt_private download linux-image-amd64/bookworm) ||
		die "cannot download linux-image-amd64 from bookworm"
	meta=$(ls -t "$dir"/linux-image-amd64_*.deb | head -n 1)
	pkg=$(dpkg-deb -f "$meta" Depends | grep -o 'linux-image-6[^ ,]*' | head -n 1)
	[ -n "$pkg" ] || die "cannot read the kernel package from $meta"
	;;
*) die "usage: distro-kernel.sh debian-5.10|debian-6.1" ;;
esac

name=${pkg%%=*}
img=$dir/$name.vmlinuz
if [ ! -f "$img" ]; then
	(cd "$dir" && apt_private download "$pkg") || die "cannot download $pkg"
	deb=$(ls -t "$dir/${name}"_*.deb | head -n 1)
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*'
	mv "$tmp"/boot/vmlinuz-* "$img"
fi
echo "$img"
