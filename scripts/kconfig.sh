#!/usr/bin/env bash
# kconfig.sh SRC OBJ VARIANT: write OBJ/.config for a variant
# (test = tinyconfig + test.config; debug = + debug.config; kasan = + kasan.config)
# and check that every requested option is really set.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

src=$(realpath "$1") obj=$(realpath -m "$2") variant=$3
case $variant in
test) frags=(test) ;;
debug) frags=(test debug) ;;
kasan) frags=(test debug kasan) ;;
*) die "unknown config variant '$variant' (test, debug, kasan)" ;;
esac
files=()
for f in "${frags[@]}"; do files+=("$TOP/configs/$f.config"); done

mkdir -p "$obj"
make -s -C "$src" O="$obj" tinyconfig >/dev/null
(cd "$src" && scripts/kconfig/merge_config.sh -m -O "$obj" "$obj/.config" "${files[@]}") >"$obj/kconfig.log" 2>&1 ||
	die "merge_config failed: see $obj/kconfig.log"
make -s -C "$src" O="$obj" olddefconfig >>"$obj/kconfig.log" 2>&1 ||
	die "olddefconfig failed: see $obj/kconfig.log"

# Options the series adds are only checked where the tree defines them
# (the unpatched base and early patches are configured from the same
# fragments); any other option a tree does not know is a mistake.
series_only="PTE_MARKER PTE_MARKER_UFFD_WP PTE_MARKER_KUNIT_TEST"
known=$(find "$src" -name 'Kconfig*' -exec sed -n 's/^[[:space:]]*\(menu\)\{0,1\}config[[:space:]]\{1,\}\([A-Z0-9_]*\).*/\2/p' {} + | sort -u)
bad=0
while IFS= read -r line; do
	grep -qxF "$line" "$obj/.config" && continue
	sym=${line%%=*}
	if ! grep -qxF "${sym#CONFIG_}" <<<"$known"; then
		[[ " $series_only " == *" ${sym#CONFIG_} "* ]] && continue
		echo "kconfig.sh: $variant: $sym is not an option of this kernel" >&2
		bad=1
		continue
	fi
	echo "kconfig.sh: $variant: requested '$line' but got '$(grep -E "^(# )?${line%%=*}[= ]" "$obj/.config" || echo unset)'" >&2
	bad=1
done < <(cat "${files[@]}" | grep -E '^CONFIG_[A-Z0-9_]+=')
[ $bad = 0 ] || die "$variant config does not hold what configs/ asks (see above)"
