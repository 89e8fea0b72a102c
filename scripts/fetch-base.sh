#!/usr/bin/env bash
# Fetch the pinned base: Debian bullseye linux-source-5.10 5.10.223-1.
# Prints the path of the verified tarball. Cached under $CACHE.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PKG=linux-source-5.10
VER=5.10.223-1
DEB_SHA256=f733d27d239d65598d96d7a72f71ac50f49f2380192a1b3b4ca2f5ad5144dd63
TAR_SHA256=4aa4fbb62e2d957ed78841347492e736cc88f00689b57dac09959bda6d2b6f0e
sha_ok() { echo "$2  $1" | sha256sum -c --status; }

tarball=$CACHE/linux-source-5.10.tar.xz
if [ -f "$tarball" ] && sha_ok "$tarball" "$TAR_SHA256"; then
	echo "$tarball"
	exit 0
fi
mkdir -p "$CACHE"
deb=$CACHE/${PKG}_${VER}_all.deb

if ! { [ -f "$deb" ] && sha_ok "$deb" "$DEB_SHA256"; }; then
	echo "fetch-base: downloading $PKG=$VER (bullseye)" >&2
	(cd "$CACHE" && apt_private download "$PKG=$VER" >&2) ||
		die "apt-get download $PKG=$VER: package not available from the machine's Debian mirror"
	[ -f "$deb" ] || die "download did not produce $deb"
	sha_ok "$deb" "$DEB_SHA256" ||
		die "$deb: sha256 $(sha256sum "$deb" | cut -d' ' -f1) != pinned $DEB_SHA256"
fi

tmp=$(mktemp -d "$CACHE/x.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp" || die "dpkg-deb -x $deb"
src=$tmp/usr/src/linux-source-5.10.tar.xz
[ -f "$src" ] || die "$deb does not hold usr/src/linux-source-5.10.tar.xz"
sha_ok "$src" "$TAR_SHA256" ||
	die "tarball sha256 $(sha256sum "$src" | cut -d' ' -f1) != pinned $TAR_SHA256"
mv "$src" "$tarball"
echo "$tarball"
