#!/usr/bin/env bash
# Fetch the pinned base: Debian bullseye linux-source-5.10 5.10.223-1.
# Prints the path of the verified tarball. Cached under $CACHE.
set -euo pipefail

PKG=linux-source-5.10
VER=5.10.223-1
DEB_SHA256=f733d27d239d65598d96d7a72f71ac50f49f2380192a1b3b4ca2f5ad5144dd63
TAR_SHA256=4aa4fbb62e2d957ed78841347492e736cc88f00689b57dac09959bda6d2b6f0e
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/uffd-wp-5.10}

die() { echo "fetch-base: FAILED: $*" >&2; exit 1; }
sha_ok() { echo "$2  $1" | sha256sum -c --status; }

tarball=$CACHE/linux-source-5.10.tar.xz
if [ -f "$tarball" ] && sha_ok "$tarball" "$TAR_SHA256"; then
	echo "$tarball"
	exit 0
fi
mkdir -p "$CACHE"
deb=$CACHE/${PKG}_${VER}_all.deb

# The machine's own Debian mirror URI (deb822 or one-line format), never a
# host name of ours: the first "debian" archive URI that is not security.
mirror_uri() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; break } }' "$f"
	done
}

if ! { [ -f "$deb" ] && sha_ok "$deb" "$DEB_SHA256"; }; then
	uri=$(mirror_uri | grep -E '/debian/?$' | head -n 1) ||
		true
	[ -n "$uri" ] || die "no Debian mirror URI found in /etc/apt/sources*"
	key=/usr/share/keyrings/debian-archive-bullseye-stable.gpg
	[ -f "$key" ] || key=/usr/share/keyrings/debian-archive-keyring.gpg
	apt_dir=$CACHE/apt
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
	echo "deb [signed-by=$key] $uri bullseye main" >"$apt_dir/sources.list"
	apt_opts=(
		-o "Dir::Etc::SourceList=$apt_dir/sources.list"
		-o "Dir::Etc::SourceParts=/dev/null"
		-o "Dir::State::Lists=$apt_dir/lists"
		-o "Dir::Cache=$apt_dir"
		-o "APT::Get::List-Cleanup=0"
		-o "APT::Sandbox::User=root"
	)
	echo "fetch-base: downloading $PKG=$VER from $uri (bullseye)" >&2
	apt-get "${apt_opts[@]}" -qq update >&2 || die "apt-get update of the bullseye entry"
	(cd "$CACHE" && apt-get "${apt_opts[@]}" -qq download "$PKG=$VER" >&2) ||
		die "apt-get download $PKG=$VER (package not available from $uri?)"
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
