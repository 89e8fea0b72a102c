#!/usr/bin/env bash
# kconfig.sh SRC OBJ VARIANT: write OBJ/.config for a variant
# (test = tinyconfig + test.config; debug = + debug.config; kasan = + kasan.config;
# nomarker = test.config + nomarker.config; bench = test.config + bench.config)
# and check that every requested option is really set (or, for
# "# CONFIG_X is not set", really off); a later fragment overrides an earlier
# one.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

src=$(realpath "$1") obj=$(realpath -m "$2") variant=$3
case $variant in
test) frags=(test) ;;
debug) frags=(test debug) ;;
kasan) frags=(test debug kasan) ;;
nomarker) frags=(test nomarker) ;;
bench) frags=(test bench) ;;
*) die "unknown config variant '$variant' (test, debug, kasan, nomarker, bench)" ;;
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
# The requests, the last fragment's word on each option winning.
requests=$(cat "${files[@]}" | awk '
	/^CONFIG_[A-Z0-9_]+=/ { sym = $0; sub(/=.*/, "", sym) }
	/^# CONFIG_[A-Z0-9_]+ is not set$/ { sym = $2 }
	sym != "" { if (!(sym in req)) order[n++] = sym; req[sym] = $0; sym = "" }
	END { for (i = 0; i < n; i++) print req[order[i]] }')
bad=0
while IFS= read -r line; do
	case $line in
	"# "*) sym=${line#"# "}; sym=${sym%" is not set"}
		grep -q "^$sym=" "$obj/.config" || continue ;;
	*) sym=${line%%=*}
		grep -qxF "$line" "$obj/.config" && continue ;;
	esac
	if ! grep -qxF "${sym#CONFIG_}" <<<"$known"; then
		[[ " $series_only " == *" ${sym#CONFIG_} "* ]] && continue
		echo "kconfig.sh: $variant: $sym is not an option of this kernel" >&2
		bad=1
		continue
	fi
	echo "kconfig.sh: $variant: requested '$line' but got '$(grep -E "^(# )?$sym[= ]" "$obj/.config" || echo unset)'" >&2
	bad=1
done <<<"$requests"
[ $bad = 0 ] || die "$variant config does not hold what configs/ asks (see above)"
