#!/usr/bin/env bash
# config-matrix.sh [NAME...]: the series must build where what it depends
# on or touches is switched off. Each variant is the x86_64 test config with
# options turned off (the first one is checked to be off after olddefconfig)
# and builds the directories the series touches with no compiler warning;
# allnoconfig builds the whole kernel. PTE_MARKER_UFFD_WP=n is a whole kernel
# that check.sh boots (configs/nomarker.config); i386, arm64 and s390:
# cross-build.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# NAME: options to turn off (the first must end up off)
variants=(
	"no-userfaultfd: USERFAULTFD"
	"no-hugetlbfs: HUGETLBFS"
	"no-thp: TRANSPARENT_HUGEPAGE"
	"no-shmem: SHMEM"
	"no-migration: MIGRATION NUMA_BALANCING COMPACTION CMA MEMORY_HOTREMOVE TRANSPARENT_HUGEPAGE"
	"no-numa: NUMA"
	"allnoconfig:"
)
dirs=(mm/ fs/ kernel/ ipc/ arch/x86/mm/)

rc=0
for v in "${variants[@]}"; do
	name=${v%%:*} opts=(${v#*:})
	[ $# = 0 ] || [[ " $* " == *" $name "* ]] || continue
	obj=$OUT/matrix/$name
	start=$(date +%s)
	if [ "$name" = allnoconfig ]; then
		mkdir -p "$obj"
		make -s -C "$KTREE" O="$obj" allnoconfig >/dev/null
		targets=(bzImage)
	else
		"$TOP/scripts/kconfig.sh" "$KTREE" "$obj" test
		args=()
		for o in "${opts[@]}"; do args+=(-d "$o"); done
		"$KTREE/scripts/config" --file "$obj/.config" "${args[@]}"
		make -s -C "$KTREE" O="$obj" olddefconfig >/dev/null
		if grep -q "^CONFIG_${opts[0]}=y" "$obj/.config"; then
			note "$name: CONFIG_${opts[0]} is still on"; rc=1; continue
		fi
		targets=("${dirs[@]}")
	fi
	log=$obj/build.log
	if ! make -C "$KTREE" O="$obj" -j"$(nproc)" CC="ccache gcc" "${targets[@]}" >"$log" 2>&1; then
		grep -E 'error' "$log" | head -n 5 >&2 || true
		note "$name: build FAILED (log: $log)"; rc=1; continue
	fi
	w=$(grep -c 'warning:' "$log" || true)
	if [ "$w" != 0 ]; then
		note "$name: $w compiler warning(s) (log: $log)"; rc=1; continue
	fi
	note "$name: ${targets[*]} built in $(($(date +%s) - start)) s, 0 warnings"
done
[ $rc = 0 ] || die "some configurations do not build cleanly (see above)"
