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
