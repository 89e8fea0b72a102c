#!/usr/bin/env bash
# bench.sh [--quick] [--no-wall] [--only GROUP,...]: the series' benchmarks
# under QEMU TCG (bench/README.md). Groups:
#   overhead  paths without userfaultfd: patched vs unpatched base, same list
#   wpfault   uffd-wp fault round trip, shmem and hugetlb vs anon (patched)
#   protect   protecting a 4 GiB memfd, unpopulated vs populated, ours vs
#             Debian bookworm's 6.1 (upstream's implementation)
#   snap      uffd-snap throughput, memfd and hugetlbfs vs anon (patched)
# Figures are guest time under -icount (instruction-proportional, nearly
# deterministic); lighter lists also run without icount (wall clock: the
# host's real time, noisy when the host is busy). Tables with PASS/MISS per
# target; raw values, ratios, plots and guest logs go to
# bench/results/<date>/ (--quick: out/bench/results-quick/).
#   --quick    tiny sizes, one repetition, no icount: a smoke run that fails
#              only on errors, never on targets
#   --no-wall  icount runs only
# Prebuilt inputs (skip the builds): BENCH_PATCHED=bzImage BENCH_BASE=bzImage
# BENCH_HDR=<installed uapi headers>. Exit: 0 done and every target met,
# 1 an error or (without --quick) a target missed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

quick=0 wall=1 groups=overhead,wpfault,protect,snap
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--no-wall) wall=0 ;;
	--only) groups=${2:?--only needs a list of groups}; shift ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
	shift
done
has() { [[ ,$groups, == *,$1,* ]]; }
for g in ${groups//,/ }; do
	case $g in overhead|wpfault|protect|snap) ;; *) die "unknown group $g" ;; esac
done

S=$TOP/scripts
WORK=$OUT/bench BIN=$OUT/bench/bin
if [ $quick = 1 ]; then RES=$WORK/results-quick; else RES=$TOP/bench/results/$(date +%F); fi
rm -rf "$WORK/logs" "$WORK/lists"
mkdir -p "$WORK/logs" "$WORK/lists" "$RES"
t0=$(date +%s)

# ---- inputs: kernels, headers, binaries --------------------------------
patched=${BENCH_PATCHED:-} base=${BENCH_BASE:-} hdr=${BENCH_HDR:-} upstream=
if [ -z "$patched" ]; then
	"$S/build-kernel.sh" "$KTREE" "$OUT/test" test
	patched=$OUT/test/arch/x86/boot/bzImage
fi
if [ -z "$base" ] && has overhead; then
	"$S/base-tree.sh"
	"$S/build-kernel.sh" "$OUT/base/linux" "$OUT/base/out/test" test
	base=$OUT/base/out/test/arch/x86/boot/bzImage
fi
if has wpfault || has protect || has snap; then
	upstream=$("$S/distro-kernel.sh" debian-6.1) || die "cannot get Debian's 6.1 kernel"
fi
if [ -z "$hdr" ]; then
	make -s -C "$KTREE" O="$OUT/headers-build" INSTALL_HDR_PATH="$OUT/headers" headers_install \
		>/dev/null || die "headers_install failed"
	hdr=$OUT/headers/include
fi
make -s -C "$TOP/bench" O="$BIN" HDR="$hdr" >/dev/null || die "building bench/ failed"
make -s -C "$TOP/snap" O="$BIN" HDR="$hdr" >/dev/null || die "building snap/ failed"

# ---- sizes and lists ------------------------------------------------------
# The guest has one cpu (maxcpus=1): QEMU 7.2 hangs bringing up a second cpu
# under -icount; the wall-clock runs use the same guest for comparability.
if [ $quick = 1 ]; then
	ov="--size-mb 16 --huge-mb 8 --reps 1 --inner 2"
	wp="--pages 128 --huge-pages 4 --reps 1 --inner 1"
	pr="--size-mb 32 --reps 1"
	snap_mb=8 snap_runs=1 node_mb=2048 hugepages=64 modes=wall
	wp_wall=$wp pr_wall=$pr snap_runs_wall=1
else
	ov="--size-mb 1024 --huge-mb 512 --reps 3"
	wp="--pages 8192 --huge-pages 64 --reps 5 --inner 4"
	pr="--size-mb 4096 --reps 3"
	snap_mb=128 snap_runs=3 node_mb=3072 hugepages=320 modes=icount
	[ $wall = 1 ] && modes="icount wall"
	# Without icount, to keep the run under ~40 min: fewer wpfault
	# repetitions, no populated 4 GiB protect, one snapshot run.
	wp_wall="--pages 8192 --huge-pages 64 --reps 3 --inner 4"
	pr_wall="--size-mb 4096 --reps 3 --only protect-unpop,pt-unpop,vmpte-unpop,unprotect-unpop"
	snap_runs_wall=1
fi
# The overhead list is the same file for the patched kernel and the base.
if has overhead; then
	echo "overhead 36000 uffd-bench overhead $ov" >"$WORK/lists/overhead.list"
fi
# uffd_list FILE WPFAULT-ARGS PROTECT-ARGS SNAPSHOT-RUNS
uffd_list() {
	{
		has wpfault && echo "wpfault 36000 uffd-bench wpfault $2"
		has protect && echo "protect 36000 uffd-bench protect $3"
		if has snap; then
			for i in $(seq 1 "$4"); do
				echo "snap-$i 36000 uffd-snap demo --type anon,memfd,hugetlbfs --size-mb $snap_mb --threads 1 --seconds 0 --snap-delay 0.5 --no-chaos --no-thp --seed $i"
			done
		fi
		true
	} >"$1"
}
uffd_list "$WORK/lists/uffd.list" "$wp" "$pr" $snap_runs
uffd_list "$WORK/lists/uffd-wall.list" "$wp_wall" "$pr_wall" $snap_runs_wall

# ---- the guest runs -------------------------------------------------------
# boot MODE ROLE KERNEL LIST: one QEMU at a time; the log must be complete,
# every test ok, no kernel splat (results.sh).
boot() {
	local mode=$1 role=$2 kernel=$3 list=$4 name log s
	name=$mode-$role-$(basename "$list" .list)
	log=$WORK/logs/$name.log
	"$S/mkinitramfs.sh" "$list" "$BIN" "$WORK/$name.cpio"
	note "$name: booting $(basename "$kernel") ($([ "$mode" = icount ] && echo "-icount shift=0" || echo "no icount"))"
	s=$(date +%s)
	GUEST_NODE_MB=$node_mb GUEST_HUGEPAGES=$hugepages GUEST_APPEND=maxcpus=1 GUEST_ZRAM=0 \
		GUEST_ICOUNT=$([ "$mode" = icount ] && echo 0) \
		"$S/run-guest.sh" "$kernel" "$WORK/$name.cpio" "$log" 7200
	if ! "$S/results.sh" "$log" /dev/null "$name" >"$log.results"; then
		cat "$log.results" >&2
		die "$name: a benchmark failed or the kernel complained; log: $log"
	fi
	note "$name: done in $(($(date +%s) - s)) s"
}
for mode in $modes; do
	if has overhead; then
		boot "$mode" patched "$patched" "$WORK/lists/overhead.list"
		boot "$mode" base "$base" "$WORK/lists/overhead.list"
	fi
	if has wpfault || has protect || has snap; then
		list=$WORK/lists/uffd.list
		[ "$mode" = wall ] && [ $quick = 0 ] && list=$WORK/lists/uffd-wall.list
		boot "$mode" patched "$patched" "$list"
		boot "$mode" upstream "$upstream" "$list"
	fi
done

# ---- raw values -------------------------------------------------------------
# raw.tsv: mode role kernel group name unit value(median) reps min max raw
raw=$RES/raw.tsv
printf 'mode\trole\tkernel\tgroup\tname\tunit\tvalue\treps\tmin\tmax\traw\n' >"$raw"
for log in "$WORK"/logs/*.log; do
	name=$(basename "$log" .log) mode=${name%%-*} role=${name#*-}
	role=${role%%-*}
	awk -v mode="$mode" -v role="$role" '
		/^# BENCH / {
			delete f
			for (i = 3; i <= NF; i++) { k = $i; sub(/=.*/, "", k); val = $i; sub(/^[^=]*=/, "", val); f[k] = val }
			printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", mode, role, f["kernel"], f["group"],
				f["name"], f["unit"], f["value"], f["reps"], f["min"], f["max"], f["raw"]
		}
		/^RIG: kernel / { kernel = $3 }
		# uffd-snap result table: type MiB page pages snap-s MiB/s ... result
		/^# (anon|memfd|hugetlbfs) +[0-9]+ +[0-9]+K +[0-9]+ / {
			if ($NF != "VERIFIED") { print "snapshot not VERIFIED: " $0 > "/dev/stderr"; bad = 1 }
			snap[$2] = snap[$2] (snap[$2] == "" ? "" : ",") $7
		}
		END {
			for (t in snap) {
				n = split(snap[t], v, ",")
				for (i = 2; i <= n; i++)	# insertion sort (mawk has no asort)
					for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { x = v[j]; v[j] = v[j - 1]; v[j - 1] = x }
				lo = v[1]; hi = v[n]
				med = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
				printf "%s\t%s\t%s\tsnap\t%s\tMiB/s\t%s\t%s\t%s\t%s\t%s\n", mode, role, kernel, t,
					med, n, lo, hi, snap[t]
			}
			exit bad
		}' "$log" >>"$raw" || die "parsing $log"
done

# ---- tables -------------------------------------------------------------------
# get MODE ROLE GROUP NAME: the median, or "-" if there is none.
get() {
	awk -F'\t' -v m="$1" -v r="$2" -v g="$3" -v n="$4" \
		'$1 == m && $2 == r && $4 == g && $5 == n { v = $7 } END { print (v == "" ? "-" : v) }' "$raw"
}
# ratio A B: A/B to 4 decimals, "-" if either is missing.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "-" || b == "-" || a == "NA" || b == "NA" || b == 0) print "-"; else printf "%.4f\n", a / b }'
}
# verdict RATIO OP LIMIT: PASS or MISS (info if there is no target).
verdict() {
	[ "$1" = - ] && { echo "n/a"; return; }
	awk -v r="$1" -v op="$2" -v l="$3" 'BEGIN {
		ok = op == "<=" ? r <= l : r >= l; print ok ? "PASS" : "MISS" }'
}
summary=$RES/summary.tsv
printf 'group\tcase\tunit\tmode\tvalue\treference\tref_value\tratio\ttarget\tverdict\n' >"$summary"
# row GROUP CASE UNIT MODE VALUE REF REFVALUE RATIO TARGET VERDICT
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$summary"; }
missed=0
judge() {	# judge VERDICT: counts misses of the icount figures
	[ "$1" = MISS ] && missed=$((missed + 1))
	return 0
}
has_wall() { [[ " $modes " == *" wall "* ]]; }
primary=icount
[ $quick = 1 ] && primary=wall

tables=$RES/tables.txt
: >"$tables"
out() { printf "$@" | tee -a "$tables"; }
out "uffd-wp series benchmarks, %s; patched %s, base %s, upstream %s\n" "$(date +%F)" \
	"$(basename "$patched")" "$(basename "${base:-none}")" "$(basename "${upstream:-none}")"
if [ $primary = icount ]; then
	out "guest: QEMU TCG, 1 cpu, %d MiB; figures: guest time under -icount shift=0 (1 ns per instruction)%s\n" \
		$((2 * node_mb)) "$(has_wall && echo "; wall: without icount, host real time" || true)"
else
	out "guest: QEMU TCG, 1 cpu, %d MiB; figures: wall clock (no icount)\n" $((2 * node_mb))
fi
[ $quick = 1 ] && out "QUICK run (tiny sizes, no icount): the verdicts are not judged\n"

if has overhead; then
	out "\n== overhead without userfaultfd: patched / base (target <= 1.005)\n"
	out "%-17s %-8s %12s %12s %8s   %12s %12s %8s  %s\n" case unit base patched ratio \
		"base wall" "patched wall" ratio verdict
	for c in fault-shmem mprotect-shmem fork-shmem dontneed-shmem refault-shmem munmap-shmem \
		fault-anon mprotect-anon munmap-anon fault-hugetlb mprotect-hugetlb fork-hugetlb munmap-hugetlb; do
		unit=$(awk -F'\t' -v n="$c" '$4 == "overhead" && $5 == n { print $6; exit }' "$raw")
		b=$(get $primary base overhead $c) p=$(get $primary patched overhead $c)
		r=$(ratio "$p" "$b") v=$(verdict "$r" "<=" 1.005)
		bw=- pw=- rw=-
		if has_wall && [ $primary = icount ]; then
			bw=$(get wall base overhead $c) pw=$(get wall patched overhead $c)
			rw=$(ratio "$pw" "$bw")
			row overhead "$c" "$unit" wall "$pw" base "$bw" "$rw" "<=1.005" info
		fi
		row overhead "$c" "$unit" $primary "$p" base "$b" "$r" "<=1.005" "$v"
		judge "$v"
		out "%-17s %-8s %12s %12s %8s   %12s %12s %8s  %s\n" "$c" "${unit:--}" "$b" "$p" "$r" "$bw" "$pw" "$rw" "$v"
	done
fi

if has wpfault; then
	out "\n== wp fault round trip, patched kernel: type / anon (target <= 1.05); 6.1 for reference\n"
	out "%-13s %10s %8s   %10s %8s   %10s %8s  %s\n" type ns/fault ratio "wall" ratio "6.1" ratio verdict
	a=$(get $primary patched wpfault anon) aw=$(get wall patched wpfault anon) au=$(get $primary upstream wpfault anon)
	for k in anon memfd hugetlb memfd-marker; do
		p=$(get $primary patched wpfault $k) r=$(ratio "$p" "$a")
		pw=- rw=-
		if has_wall && [ $primary = icount ]; then
			pw=$(get wall patched wpfault $k) rw=$(ratio "$pw" "$aw")
			row wpfault "$k" ns/fault wall "$pw" anon "$aw" "$rw" "<=1.05" info
		fi
		u=$(get $primary upstream wpfault $k) ru=$(ratio "$u" "$au")
		row wpfault "$k" ns/fault "$primary(6.1)" "$u" anon "$au" "$ru" - info
		case $k in
		anon) v=- ;;
		memfd-marker) v=info ;;
		*) v=$(verdict "$r" "<=" 1.05); judge "$v" ;;
		esac
		row wpfault "$k" ns/fault $primary "$p" anon "$a" "$r" "<=1.05" "$v"
		out "%-13s %10s %8s   %10s %8s   %10s %8s  %s\n" "$k" "$p" "$r" "$pw" "$rw" "$u" "$ru" "$v"
	done
	out "(memfd-marker: protection in pte markers, the retry allocates the page; no anon equivalent)\n"
fi

if has protect; then
	out "\n== UFFDIO_WRITEPROTECT of a %s memfd: ours / 6.1 (target <= 1.0 unpopulated)\n" \
		"$(sed -n 's/.*protect --size-mb \([0-9]*\).*/\1 MiB/p' "$WORK/lists/uffd.list")"
	out "%-16s %-5s %10s %10s %8s   %10s %10s %8s  %s\n" case unit ours 6.1 ratio "ours wall" "6.1 wall" ratio verdict
	for c in protect-unpop pt-unpop vmpte-unpop unprotect-unpop protect-pop pt-pop vmpte-pop unprotect-pop; do
		unit=ms
		case $c in pt-*|vmpte-*) unit=KiB ;; esac
		p=$(get $primary patched protect $c) u=$(get $primary upstream protect $c) r=$(ratio "$p" "$u")
		case $c in
		protect-unpop|pt-unpop|vmpte-unpop) v=$(verdict "$r" "<=" 1.0); judge "$v"; tgt="<=1.0" ;;
		*) v=info tgt=- ;;
		esac
		pw=- uw=- rw=-
		if has_wall && [ $primary = icount ]; then
			pw=$(get wall patched protect $c) uw=$(get wall upstream protect $c) rw=$(ratio "$pw" "$uw")
			row protect "$c" "$unit" wall "$pw" 6.1 "$uw" "$rw" "$tgt" info
		fi
		row protect "$c" "$unit" $primary "$p" 6.1 "$u" "$r" "$tgt" "$v"
		out "%-16s %-5s %10s %10s %8s   %10s %10s %8s  %s\n" "$c" "$unit" "$p" "$u" "$r" "$pw" "$uw" "$rw" "$v"
	done
	pu=$(get $primary patched protect protect-unpop) pp=$(get $primary patched protect protect-pop)
	uu=$(get $primary upstream protect protect-unpop) up=$(get $primary upstream protect protect-pop)
	out "unpopulated / populated protect time: ours %s, 6.1 %s\n" "$(ratio "$pu" "$pp")" "$(ratio "$uu" "$up")"
	row protect unpop/pop ratio $primary "$(ratio "$pu" "$pp")" 6.1 "$(ratio "$uu" "$up")" - - info
fi

if has snap; then
	out "\n== uffd-snap throughput (MiB/s, %s MiB, 1 writer, no chaos): type / anon (target >= 0.9)\n" "$snap_mb"
	out "%-10s %10s %8s   %10s %8s   %10s %8s  %s\n" type MiB/s ratio wall ratio 6.1 ratio verdict
	a=$(get $primary patched snap anon) aw=$(get wall patched snap anon) au=$(get $primary upstream snap anon)
	for k in anon memfd hugetlbfs; do
		p=$(get $primary patched snap $k) r=$(ratio "$p" "$a")
		pw=- rw=-
		if has_wall && [ $primary = icount ]; then
			pw=$(get wall patched snap $k) rw=$(ratio "$pw" "$aw")
			row snap "$k" MiB/s wall "$pw" anon "$aw" "$rw" ">=0.9" info
		fi
		u=$(get $primary upstream snap $k) ru=$(ratio "$u" "$au")
		row snap "$k" MiB/s "$primary(6.1)" "$u" anon "$au" "$ru" - info
		if [ $k = anon ]; then v=-; else v=$(verdict "$r" ">=" 0.9); judge "$v"; fi
		row snap "$k" MiB/s $primary "$p" anon "$a" "$r" ">=0.9" "$v"
		out "%-10s %10s %8s   %10s %8s   %10s %8s  %s\n" "$k" "$p" "$r" "$pw" "$rw" "$u" "$ru" "$v"
	done
fi

# ---- plots ---------------------------------------------------------------------
# One PNG per group from summary.tsv (gnuplot-nox, pngcairo).
plot() {	# plot GROUP TITLE YLABEL FILTER(awk, prints "label value [value]") COLUMNS...
	local g=$1 title=$2 ylabel=$3 filter=$4 dat
	shift 4
	dat=$WORK/$g.dat
	awk -F'\t' "$filter" "$summary" >"$dat"
	[ -s "$dat" ] || return 0
	local using="" i=2
	for col in "$@"; do
		using+="${using:+, }'$dat' using $i:xtic(1) title '$col'"
		i=$((i + 1))
	done
	gnuplot <<-EOF || die "gnuplot failed for $g"
		set terminal pngcairo size 1000,560 font ",10"
		set output '$RES/$g.png'
		set title "$title"
		set ylabel "$ylabel"
		set style data histograms
		set style histogram clustered gap 1
		set style fill solid 0.8 border -1
		set xtics rotate by -30
		set grid ytics
		set key top left
		plot $using
	EOF
}
has_wall && [ $primary = icount ] && wc="wall clock" || wc=
if has overhead; then
	plot overhead "overhead without userfaultfd: patched / base (target <= 1.005)" "ratio" \
		'$1 == "overhead" && $4 == "'$primary'" { v[$2] = $8; o[++n] = $2 }
		 $1 == "overhead" && $4 == "wall" { w[$2] = $8 }
		 END { for (i = 1; i <= n; i++) print o[i], v[o[i]], (o[i] in w ? w[o[i]] : "NaN") }' \
		"$primary" ${wc:+"$wc"}
fi
if has wpfault; then
	plot wpfault "uffd-wp fault round trip (ns per fault)" "ns/fault" \
		'$1 == "wpfault" && $4 == "'$primary'" { v[$2] = $5; o[++n] = $2 }
		 $1 == "wpfault" && $4 == "wall" { w[$2] = $5 }
		 $1 == "wpfault" && $4 == "'$primary'(6.1)" { u[$2] = $5 }
		 END { for (i = 1; i <= n; i++) print o[i], v[o[i]], (o[i] in u ? u[o[i]] : "NaN"), (o[i] in w ? w[o[i]] : "NaN") }' \
		"ours ($primary)" "6.1 ($primary)" ${wc:+"ours ($wc)"}
fi
if has protect; then
	plot protect "UFFDIO_WRITEPROTECT of a memfd: ours vs 6.1 (ms; page tables in MiB)" "ms, MiB" \
		'$1 == "protect" && $4 == "'$primary'" && $2 != "unpop/pop" {
			s = $3 == "KiB" ? 1024 : 1; print $2 ($3 == "KiB" ? "(MiB)" : ""), $5 / s, $7 / s }' \
		"ours" "6.1"
fi
if has snap; then
	plot snap "uffd-snap throughput (MiB/s)" "MiB/s" \
		'$1 == "snap" && $4 == "'$primary'" { v[$2] = $5; o[++n] = $2 }
		 $1 == "snap" && $4 == "wall" { w[$2] = $5 }
		 $1 == "snap" && $4 == "'$primary'(6.1)" { u[$2] = $5 }
		 END { for (i = 1; i <= n; i++) print o[i], v[o[i]], (o[i] in u ? u[o[i]] : "NaN"), (o[i] in w ? w[o[i]] : "NaN") }' \
		"ours ($primary)" "6.1 ($primary)" ${wc:+"ours ($wc)"}
fi
mkdir -p "$RES/logs"
cp "$WORK"/logs/*.log "$RES/logs/"
cp "$WORK"/lists/*.list "$RES/"

elapsed=$(($(date +%s) - t0))
out "\nwall-clock time of the run: %d min %d s; results: %s\n" $((elapsed / 60)) $((elapsed % 60)) "${RES#"$TOP"/}"
if [ $quick = 0 ] && [ $missed -gt 0 ]; then
	die "$missed target(s) missed (MISS above); results in ${RES#"$TOP"/}"
fi
exit 0
