#!/usr/bin/env bash
# Install the Debian packages the workbench needs (idempotent, quiet when done).
set -euo pipefail

pkgs=(
	build-essential flex bison bc libelf-dev libssl-dev rsync cpio kmod
	git xz-utils ccache sparse python3-ply python3-git
	qemu-system-x86 busybox-static
	gnuplot-nox coccinelle ocaml-nox
	gcc-aarch64-linux-gnu gcc-s390x-linux-gnu
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq || { echo "deps: FAILED: apt-get update" >&2; exit 1; }
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
	{ echo "deps: FAILED: apt-get install ${missing[*]}" >&2; exit 1; }
