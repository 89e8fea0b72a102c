#!/usr/bin/env bash
# scenarios.sh PATCHED_LOG BASE_LOG: the persistence selftest's scenarios
# (uffd-wp-persist, "ok N TYPE: SCENARIO" TAP lines) as one markdown table,
# a row per scenario, a column per memory type, each cell "patched/base":
# ok = passed, F = failed, - = skipped (not applicable to that type).
# Default logs: the last `make check` (out/logs/patched.log, base.log).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

patched=${1:-$OUT/logs/patched.log} base=${2:-$OUT/logs/base.log}
for f in "$patched" "$base"; do [ -f "$f" ] || die "no log $f (run make check)"; done

# Only the persist-* tests' TAP lines: guest/init prefixes them with "# ".
results() {
	awk -v tag="$2" '
	/^# RUN persist-/ { on = 1; next }
	/^(not )?ok [0-9]+ selftests: uffd: / { on = 0 }
	on && /^# (not )?ok [0-9]+ / {
		st = ($2 == "not") ? "F" : ($4 == "#" ? "-" : "ok")
		sub(/^# (not )?ok [0-9]+ (# SKIP )?/, "")
		split($0, f, ": ")
		print tag, f[1], f[2], st
	}' "$1"
}

{ results "$patched" p; results "$base" b; } | awk '
{
	if (!($2 in seen)) { seen[$2] = 1; types[++nt] = $2 }
	if (!($3 in sseen)) { sseen[$3] = 1; scen[++ns] = $3 }
	r[$1, $2, $3] = $4
}
END {
	printf "| scenario |"; for (t = 1; t <= nt; t++) printf " %s |", types[t]; print ""
	printf "|---|"; for (t = 1; t <= nt; t++) printf "---|"; print ""
	for (s = 1; s <= ns; s++) {
		printf "| %s |", scen[s]
		for (t = 1; t <= nt; t++) {
			p = r["p", types[t], scen[s]]; b = r["b", types[t], scen[s]]
			printf " %s/%s |", p == "" ? "?" : p, b == "" ? "?" : b
		}
		print ""
	}
}'
