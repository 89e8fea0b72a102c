#!/usr/bin/env bash
# results.sh LOG XFAIL LABEL: judge one guest run.
# - every test of the list must have a result line;
# - a failing test passes the run only if XFAIL lists it AND its output holds
#   the pattern XFAIL gives (it must fail the expected way); a listed test
#   that passes is an error (XPASS: take it off the list);
# - KUnit suites must pass;
# - any kernel splat fails the run.
# Writes "pass fail skip xfail" to LOG.counts; exits 1 if anything failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

log=$1 xfail=$2 label=$3
[ -f "$log" ] || die "no log $log"
pass=0 fail=0 skip=0 xf=0
say() { printf '  %-7s %-28s %s\n' "$1" "$2" "${3:-}"; }

# XFAIL lines: NAME | PATTERN | REASON
declare -A xpat xwhy
if [ -f "$xfail" ]; then
	while IFS='|' read -r name pat why; do
		name=$(echo "$name" | sed -e "s/^[[:space:]]*//" -e "s/[[:space:]]*$//")
		case $name in ''|\#*) continue ;; esac
		xpat[$name]=$(echo "$pat" | sed -e 's/^ *//' -e 's/ *$//')
		xwhy[$name]=$(echo "$why" | sed -e 's/^ *//' -e 's/ *$//')
	done <"$xfail"
fi

echo "== $label ($(grep -m1 '^RIG: kernel' "$log" | cut -d' ' -f3 || echo '?'))"
plan=$(grep -m1 -E '^1\.\.[0-9]+$' "$log" | cut -c4- || echo 0)
declare -A seen
while IFS= read -r line; do
	[[ $line =~ ^(not\ )?ok\ [0-9]+\ selftests:\ uffd:\ ([^ ]+)(\ \#\ (.*))?$ ]] || continue
	name=${BASH_REMATCH[2]} note=${BASH_REMATCH[4]}
	seen[$name]=1
	out=$(awk -v n="$name" '$0 ~ "^# RUN " n ":" { on = 1; next }
		on && /^(not )?ok [0-9]+ selftests: uffd: / { exit } on' "$log")
	if [ -z "${BASH_REMATCH[1]}" ]; then
		if [ "$note" = SKIP ] && [ -n "${xpat[$name]+x}" ]; then
			fail=$((fail + 1)); say FAIL "$name" "skipped, but expected to fail with '${xpat[$name]}'"
		elif [ "$note" = SKIP ]; then
			skip=$((skip + 1)); say SKIP "$name" "$(echo "$out" | grep -m1 -i 'skip' | cut -c3-)"
		elif [ -n "${xpat[$name]+x}" ]; then
			fail=$((fail + 1)); say XPASS "$name" "passes now: take it off ${xfail#"$TOP"/}"
		else
			pass=$((pass + 1)); say PASS "$name"
		fi
	elif [ -n "${xpat[$name]+x}" ] && grep -qF -- "${xpat[$name]}" <<<"$out"; then
		xf=$((xf + 1)); say XFAIL "$name" "${xwhy[$name]}"
	elif [ -n "${xpat[$name]+x}" ]; then
		fail=$((fail + 1)); say FAIL "$name" "$note (expected to fail with '${xpat[$name]}', failed otherwise)"
	else
		fail=$((fail + 1)); say FAIL "$name" "$note"
		echo "$out" | grep -E '^# (not ok|Bail out|.*(FAIL|fail|error|Error))' | head -n 5 | sed 's/^/          /' || true
	fi
done <"$log"
got=${#seen[@]}
if [ "$got" != "$plan" ]; then
	fail=$((fail + 1)); say FAIL "(test list)" "$got of $plan tests reported"
fi

# KUnit: top-level suite lines of the kernel log ("[ t] ok N - suite").
while IFS= read -r line; do
	[[ $line =~ ^\[\ *[0-9.]+\]\ (not\ )?ok\ [0-9]+\ -\ ([^ ]+) ]] || continue
	if [ -z "${BASH_REMATCH[1]}" ]; then
		pass=$((pass + 1)); say PASS "kunit:${BASH_REMATCH[2]}"
	else
		fail=$((fail + 1)); say FAIL "kunit:${BASH_REMATCH[2]}"
	fi
done <"$log"

# Kernel splats: only kernel lines (timestamped), so test output cannot match.
splat='WARNING:|BUG:|Oops|general protection fault|Kernel panic|possible (recursive|circular) locking|lock inversion|inconsistent lock state|DEBUG_LOCKS_WARN_ON|lockdep is turned off|suspicious RCU usage|KASAN:|sleeping function called from invalid context|blocked for more than|soft lockup|hard LOCKUP|rcu.*stall|cut here|: bad (pgd|p4d|pud|pmd|pte) '
if grep -E "^\[ *[0-9.]+\] .*($splat)" "$log" >"$log.splat"; then
	fail=$((fail + 1)); say SPLAT "(kernel log)" "$(head -n 1 "$log.splat" | cut -c1-100)"
	sed 's/^/          /' "$log.splat" | head -n 10
else
	rm -f "$log.splat"
fi

echo "$pass $fail $skip $xf" >"$log.counts"
echo "  $label: $pass passed, $fail failed, $skip skipped, $xf expected failures (log: ${log#"$TOP"/})"
[ "$fail" = 0 ]
