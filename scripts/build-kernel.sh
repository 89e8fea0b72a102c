#!/usr/bin/env bash
# build-kernel.sh SRC OBJ VARIANT: build bzImage of SRC into OBJ with ccache.
# The log goes to OBJ/build.log; one line on failure says where.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

src=$(realpath "$1") obj=$(realpath -m "$2") variant=$3
export KBUILD_BUILD_TIMESTAMP='2024-08-01' KBUILD_BUILD_USER=uffd KBUILD_BUILD_HOST=workbench

mkdir -p "$obj"
"$TOP/scripts/kconfig.sh" "$src" "$obj" "$variant"
log=$obj/build.log
start=$(date +%s)
if ! make -C "$src" O="$obj" -j"$(nproc)" CC="ccache gcc" bzImage >"$log" 2>&1; then
	grep -E 'error|Error' "$log" | head -n 20 >&2 || true
	die "kernel build of ${src#"$TOP"/} ($variant) failed: see $log"
fi
warn=$(grep -c 'warning:' "$log" || true)
note "${src#"$TOP"/} ($variant): bzImage in $(($(date +%s) - start)) s, $warn compiler warning(s)"
