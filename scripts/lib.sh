# Shared settings for the workbench scripts (sourced, not run).
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/uffd-wp-5.10}
KTREE=${KTREE:-$TOP/linux}
OUT=${OUT:-$TOP/out}
PATCHES=${PATCHES:-$TOP/patches}
BASE_TAG=v5.10.223-debian
BASE_REPO=$CACHE/base.git
export CACHE

die() { echo "$(basename "$0"): FAILED: $*" >&2; exit 1; }
note() { echo "$(basename "$0"): $*" >&2; }

# The series, in file-name order: the cover letter and patches/wip/ are not applied.
series_patches() {
	find "$PATCHES" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' \
		! -name '0000-*' | LC_ALL=C sort
}

series_hash() {
	series_patches | xargs -r cat | sha256sum | cut -d' ' -f1
}

# The machine's own Debian mirror URI (deb822 or one-line sources), never a
# host name of ours: the first ".../debian" archive URI.
mirror_uri() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] && awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; break } }' "$f"
	done
	return 0
}

# apt-get with a private state under $CACHE/apt holding bullseye and bookworm
# entries for the machine's mirror; the machine's own apt is not touched.
apt_private() {
	local dir=$CACHE/apt uri key=/usr/share/keyrings/debian-archive-keyring.gpg
	uri=$(mirror_uri | grep -E '/debian/?$' | head -n 1)
	[ -n "$uri" ] || die "no Debian mirror URI in /etc/apt/sources*"
	[ -f /usr/share/keyrings/debian-archive-bullseye-stable.gpg ] &&
		key=/usr/share/keyrings/debian-archive-bullseye-stable.gpg
	mkdir -p "$dir/lists/partial" "$dir/archives/partial"
	{
		echo "deb [signed-by=$key] $uri bullseye main"
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri bookworm main"
	} >"$dir/sources.list"
	local opts=(
		-o "Dir::Etc::SourceList=$dir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
		-o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir"
		-o "APT::Get::List-Cleanup=0" -o "APT::Sandbox::User=root"
	)
	if [ ! -f "$dir/lists/.updated" ] || [ -n "$(find "$dir/lists/.updated" -mmin +1440)" ]; then
		apt-get "${opts[@]}" -qq update || die "apt-get update of the private bullseye/bookworm entries"
		touch "$dir/lists/.updated"
	fi
	apt-get "${opts[@]}" -qq "$@"
}

# ccache for every kernel build: shared between the base and the work tree
# (laid out alike, paths rewritten relative to $TOP), kept outside the clone.
export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache} CCACHE_BASEDIR=$TOP CCACHE_NOHASHDIR=true
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
