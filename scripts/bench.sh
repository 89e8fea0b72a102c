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
# bench/results/<date>/ (--only: <date>-<groups>/; --quick:
# out/bench/results-quick/).
#   --quick    tiny sizes, one repetition, no icount: a smoke run that fails
#              only on errors, never on targets
#   --no-wall  icount runs only
#   --report   no builds, no boots: the tables, files and plots again from
#              the logs of the last run (out/bench/logs)
# Prebuilt inputs (skip the builds): BENCH_PATCHED=bzImage BENCH_BASE=bzImage
# BENCH_HDR=<installed uapi headers>. Exit: 0 done and every target met,
# 1 an error or (without --quick) a target missed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

all_groups=overhead,wpfault,protect,snap
quick=0 wall=1 report=0 groups=$all_groups
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--no-wall) wall=0 ;;
	--report) report=1 ;;
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
t0=$(date +%s) run_date=$(date +%F)
if [ $report = 1 ]; then
	# What the last run was: its options, kernels, date and duration.
	[ -f "$WORK/logs/run-info" ] || die "no run to report on (no $WORK/logs/run-info)"
	. "$WORK/logs/run-info"
	run_modes=$modes
else
	rm -rf "$WORK/logs" "$WORK/lists"
	mkdir -p "$WORK/logs" "$WORK/lists"
fi
# A run's folder holds that run only: a partial run gets its own name.
res_name=$run_date
[ "$groups" = "$all_groups" ] || res_name=$run_date-${groups//,/+}
if [ $quick = 1 ]; then RES=$WORK/results-quick; else RES=$TOP/bench/results/$res_name; fi
[ $report = 1 ] || rm -rf "$RES"
mkdir -p "$RES"

# ---- inputs: kernels, headers, binaries --------------------------------
[ $report = 1 ] || {
patched=${BENCH_PATCHED:-} base=${BENCH_BASE:-} hdr=${BENCH_HDR:-} upstream=
if [ -z "$patched" ]; then
	"$S/build-kernel.sh" "$KTREE" "$OUT/bench-kernel" bench
	patched=$OUT/bench-kernel/arch/x86/boot/bzImage
fi
if [ -z "$base" ] && has overhead; then
	"$S/base-tree.sh"
	"$S/build-kernel.sh" "$OUT/base/linux" "$OUT/base/out/bench" bench
	base=$OUT/base/out/bench/arch/x86/boot/bzImage
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
}

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
[ $report = 1 ] || {
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
[ $report = 1 ] && modes=$run_modes
uffd_list "$WORK/lists/uffd.list" "$wp" "$pr" $snap_runs
uffd_list "$WORK/lists/uffd-wall.list" "$wp_wall" "$pr_wall" $snap_runs_wall
}

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
[ $report = 1 ] || for mode in $modes; do
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

if [ $report = 0 ]; then
	elapsed=$(($(date +%s) - t0))
	declare -p quick groups modes run_date elapsed patched base upstream >"$WORK/logs/run-info"
fi

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
printf 'group\tcase\tunit\tmode\tvalue\treference\tref_value\tratio\ttarget\tverdict\tadded_instructions\n' >"$summary"
row() {	# row GROUP CASE UNIT MODE VALUE REF REFVALUE RATIO TARGET VERDICT [ADDED]
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${@:1:10}" "${11:--}" >>"$summary"
}
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
release() { awk -F'\t' -v r="$1" '$2 == r { print $3; exit }' "$raw"; }
out "uffd-wp series benchmarks, %s\nkernels: patched %s (%s), base %s (%s), upstream %s (%s)\n" "$run_date" \
	"$(basename "${patched:-none}")" "$(release patched)" "$(basename "${base:-none}")" "$(release base)" \
	"$(basename "${upstream:-none}")" "$(release upstream)"
if [ $primary = icount ]; then
	out "guest: QEMU TCG, 1 cpu, %d MiB; figures: guest time under -icount shift=0 (1 ns per instruction)%s\n" \
		$((2 * node_mb)) "$(has_wall && echo "; wall: without icount, host real time" || true)"
else
	out "guest: QEMU TCG, 1 cpu, %d MiB; figures: wall clock (no icount)\n" $((2 * node_mb))
fi
[ $quick = 1 ] && out "QUICK run (tiny sizes, no icount): the verdicts are not judged\n"

# delta CASE BASE PATCHED: what the series adds per unit of work, in guest
# instructions (under -icount shift=0 a nanosecond is one instruction): per
# fault, per pte visited (mprotect visits each twice), per fork.
delta() {
	local c=$1 n=1 scale=1 what=fault mb hmb
	[ $primary = icount ] || { echo -; return; }
	mb=$(sed -n 's/.*--size-mb \([0-9]*\).*/\1/p' "$WORK/lists/overhead.list")
	hmb=$(sed -n 's/.*--huge-mb \([0-9]*\).*/\1/p' "$WORK/lists/overhead.list")
	case $c in
	fault-*|refault-*) ;;
	mprotect-hugetlb) n=$hmb scale=1e6 what=pte ;;	# 2 visits of hmb/2 huge ptes
	munmap-hugetlb) n=$((hmb / 2)) scale=1e6 what=pte ;;
	mprotect-*) n=$((2 * mb * 256)) scale=1e6 what=pte ;;
	dontneed-*|munmap-*) n=$((mb * 256)) scale=1e6 what=pte ;;
	fork-hugetlb) n=$((hmb / 2)) scale=1e3 what=pte ;;	# its huge ptes are copied
	fork-*) scale=1e3 what=fork ;;
	esac
	awk -v p="$3" -v b="$2" -v s=$scale -v n=$n -v w=$what 'BEGIN {
		if (p == "-" || b == "-") print "-"; else printf "%+.1f/%s\n", (p - b) * s / n, w }'
}
if has overhead; then
	out "\n== overhead without userfaultfd: patched / base (target <= 1.005)\n"
	out "%-17s %-8s %12s %12s %8s %13s   %12s %12s %8s  %s\n" case unit base patched ratio \
		"+instr" "base wall" "patched wall" ratio verdict
	for c in fault-shmem mprotect-shmem fork-shmem dontneed-shmem refault-shmem munmap-shmem \
		fault-anon mprotect-anon munmap-anon fault-hugetlb mprotect-hugetlb fork-hugetlb munmap-hugetlb; do
		unit=$(awk -F'\t' -v n="$c" '$4 == "overhead" && $5 == n { print $6; exit }' "$raw")
		b=$(get $primary base overhead $c) p=$(get $primary patched overhead $c)
		r=$(ratio "$p" "$b") v=$(verdict "$r" "<=" 1.005) d=$(delta "$c" "$b" "$p")
		bw=- pw=- rw=-
		if has_wall && [ $primary = icount ]; then
			bw=$(get wall base overhead $c) pw=$(get wall patched overhead $c)
			rw=$(ratio "$pw" "$bw")
			row overhead "$c" "$unit" wall "$pw" base "$bw" "$rw" "<=1.005" info -
		fi
		row overhead "$c" "$unit" $primary "$p" base "$b" "$r" "<=1.005" "$v" "$d"
		judge "$v"
		out "%-17s %-8s %12s %12s %8s %13s   %12s %12s %8s  %s\n" "$c" "${unit:--}" "$b" "$p" "$r" "$d" \
			"$bw" "$pw" "$rw" "$v"
	done
	[ $primary = icount ] &&
		out "(+instr: instructions the series adds per fault, per pte visited or copied, per fork)\n"
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
plot() {	# plot GROUP TITLE YLABEL TARGET FILTER(awk: "label value...") COLUMNS...
	local g=$1 title=$2 ylabel=$3 target=$4 filter=$5 dat
	shift 5
	dat=$WORK/$g.dat
	awk -F'\t' "$filter" "$summary" >"$dat"
	[ -s "$dat" ] || return 0
	local using="" i=2
	for col in "$@"; do	# a column titled "-" is left out
		[ "$col" = - ] || using+="${using:+, }'$dat' using $i:xtic(1) title '$col'"
		i=$((i + 1))
	done
	[ -n "$target" ] && using+=", $target with lines dt 2 lw 2 lc rgb 'red' title 'target $target'"
	gnuplot <<-EOF || die "gnuplot failed for $g"
		set terminal pngcairo size 1100,600 font ",10" noenhanced
		set output '$RES/$g.png'
		set title "$title"
		set ylabel "$ylabel"
		set style data histograms
		set style histogram clustered gap 1
		set style fill solid 0.8 border -1
		set xtics rotate by -30
		set bmargin 7
		set rmargin 8
		set grid ytics
		set key outside top center horizontal
		plot $using
	EOF
}
has_wall && [ $primary = icount ] && wc="wall clock" || wc=
# ratio-plot filter for GROUP: label, primary, 6.1 and wall ratios.
ratios() {
	echo '$1 == "'$1'" && $4 == "'$primary'" { v[$2] = $8; o[++n] = $2 }
	      $1 == "'$1'" && $4 == "wall" { w[$2] = $8 }
	      $1 == "'$1'" && $4 == "'$primary'(6.1)" { u[$2] = $8 }
	      END { for (i = 1; i <= n; i++) print o[i], v[o[i]], (o[i] in u ? u[o[i]] : "NaN"),
			(o[i] in w ? w[o[i]] : "NaN") }'
}
if has overhead; then
	plot overhead "overhead without userfaultfd: patched / base" "patched / base" 1.005 \
		"$(ratios overhead)" "$primary" "-" ${wc:+"$wc"}
fi
if has wpfault; then
	plot wpfault "uffd-wp fault round trip: type / anon on the same kernel" "ratio to anon" 1.05 \
		"$(ratios wpfault)" "ours ($primary)" "6.1 ($primary)" ${wc:+"ours ($wc)"}
fi
if has protect; then
	plot protect "UFFDIO_WRITEPROTECT of a memfd: ours vs 6.1 (ms; page tables in MiB)" "ms, MiB" "" \
		'$1 == "protect" && $4 == "'$primary'" && $2 != "unpop/pop" {
			s = $3 == "KiB" ? 1024 : 1; print $2 ($3 == "KiB" ? "(MiB)" : ""), $5 / s, $7 / s }' \
		"ours" "6.1"
fi
if has snap; then
	plot snap "uffd-snap throughput: type / anon on the same kernel" "ratio to anon" 0.9 \
		"$(ratios snap)" "ours ($primary)" "6.1 ($primary)" ${wc:+"ours ($wc)"}
fi
mkdir -p "$RES/logs"
cp "$WORK"/logs/*.log "$RES/logs/"
cp "$WORK"/lists/*.list "$RES/"

out "\nwall-clock time of the run: %d min %d s; results: %s\n" $((elapsed / 60)) $((elapsed % 60)) "${RES#"$TOP"/}"
if [ $quick = 0 ] && [ $missed -gt 0 ]; then
	die "$missed target(s) missed (MISS above); results in ${RES#"$TOP"/}"
fi
exit 0
