#!/usr/bin/env bash
# checkpatch.sh: scripts/checkpatch.pl --strict on every patch of the series.
# 0 errors and 0 warnings; a CHECK passes only if patches/checkpatch-allow
# lists it (PATCH-NAME-GLOB | CHECK-TYPE | justification).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

allow=$PATCHES/checkpatch-allow
# checkpatch runs "python scripts/spdxcheck.py", which needs Debian's python3
# (python3-ply), not whatever python comes first on PATH.
shim=$OUT/python-shim
mkdir -p "$shim"
ln -sf /usr/bin/python3 "$shim/python"
bad=0 n=0
while read -r p; do
	n=$((n + 1))
	name=$(basename "$p")
	out=$(cd "$KTREE" && PATH=$shim:/usr/bin:$PATH /usr/bin/perl scripts/checkpatch.pl --strict --show-types --terse "$p" || true)
	while IFS= read -r line; do
		[[ $line =~ :\ (ERROR|WARNING|CHECK):([A-Z_]+): ]] || continue
		kind=${BASH_REMATCH[1]} type=${BASH_REMATCH[2]}
		if [ "$kind" = CHECK ] && [ -f "$allow" ] &&
			awk -F'|' -v n="$name" -v t="$type" '
				{ g = $1; gsub(/ /, "", g); ty = $2; gsub(/ /, "", ty) }
				g !~ /^#/ && ty == t { gsub(/\*/, ".*", g); if (n ~ "^" g "$") f = 1 }
				END { exit !f }' "$allow"; then
			echo "  allowed: $name: $type"
			continue
		fi
		echo "  $line"
		bad=$((bad + 1))
	done <<<"$out"
done < <(series_patches)
[ "$bad" = 0 ] || die "checkpatch --strict: $bad finding(s) in the series"
note "checkpatch --strict: $n patch(es) clean"
