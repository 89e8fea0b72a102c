#!/usr/bin/env bash
# cross-build.sh ARCH: the code the series touches must still build for
# architectures other than x86_64: i386 (32-bit, no uffd-wp) and arm64
# (Debian's cross compiler; arm64 has no uffd-wp in 5.10, but hugetlb pmd
# sharing and its own huge_pte_alloc()) and s390 (its own huge pte helpers,
# which do not include the generic ones). Builds the touched directories of
# the work tree with ARCH's defconfig plus USERFAULTFD and HUGETLBFS into
# out/cross/ARCH, and fails on any compiler warning there.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arch=${1:?usage: cross-build.sh i386|arm64|s390}
case $arch in
i386) cross="" srcarch=x86 ;;
arm64) cross=aarch64-linux-gnu- srcarch=arm64 ;;
s390) cross=s390x-linux-gnu- srcarch=s390 ;;
*) die "cross-build.sh: unknown architecture $arch" ;;
esac
command -v "${cross}gcc" >/dev/null || die "${cross}gcc missing: run scripts/deps.sh"

obj=$OUT/cross/$arch
mkdir -p "$obj"
kmake() {
	make -C "$KTREE" O="$obj" ARCH="$arch" CROSS_COMPILE="$cross" \
		CC="ccache ${cross}gcc" -j"$(nproc)" "$@"
}
kmake -s defconfig >/dev/null
"$KTREE/scripts/config" --file "$obj/.config" -e USERFAULTFD -e HUGETLBFS -e SYSVIPC
kmake -s olddefconfig >/dev/null
for opt in USERFAULTFD HUGETLBFS SYSVIPC; do
	grep -q "^CONFIG_$opt=y" "$obj/.config" || die "$arch: CONFIG_$opt did not stick"
done

targets=(mm/ fs/hugetlbfs/ fs/proc/ fs/userfaultfd.o kernel/fork.o ipc/ "arch/$srcarch/mm/")
log=$obj/build.log start=$(date +%s)
if ! kmake "${targets[@]}" >"$log" 2>&1; then
	grep -E 'error' "$log" | head -n 10 >&2 || true
	die "$arch build failed: see $log"
fi
w=$(grep -c 'warning:' "$log" || true)
[ "$w" = 0 ] || die "$arch: $w compiler warning(s): see $log"
note "$arch: ${targets[*]} built in $(($(date +%s) - start)) s, 0 compiler warnings"
