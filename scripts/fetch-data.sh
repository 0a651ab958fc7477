#!/usr/bin/env bash
# fetch-data.sh: put the UCI "Gas Sensor Array Drift Dataset at Different
# Concentrations" batch files into data/gas-drift/ (git-ignored).
#
#   scripts/fetch-data.sh [gas] [--mirror DIR] [--dest DIR]
#   scripts/fetch-data.sh mnist [--mirror DIR] [--dest DIR]   (scripts/fetch-mnist.sh)
#
# Order of sources: --mirror DIR, else $OVERPARAM_DATA_MIRROR, else a download
# of the UCI archive, else the sibling mirror ../shared/data/gas-drift (for
# machines without internet). Every file is checked against the published
# SHA-256 in scripts/gas-drift.sha256 (the archive and all ten batch files;
# a mirror's own SHA256SUMS too, when present): a file that differs is
# refused by name and nothing is kept.
# Files already in place are kept. Exit status 0 when at least one batch file
# is in place, 2 otherwise.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# `fetch-data.sh mnist ...`: the MNIST files (scripts/fetch-mnist.sh).
case "${1:-}" in
mnist) shift; exec bash "$root/scripts/fetch-mnist.sh" "$@" ;;
gas) shift ;;
esac
dest="$root/data/gas-drift"
mirror="${OVERPARAM_DATA_MIRROR:-}"
url="https://archive.ics.uci.edu/static/public/270/gas+sensor+array+drift+dataset+at+different+concentrations.zip"

while [ $# -gt 0 ]; do
	case "$1" in
	--mirror) mirror="$2"; shift 2 ;;
	--dest) dest="$2"; shift 2 ;;
	-h|--help) sed -n '2,12p' "$0"; exit 0 ;;
	*) echo "fetch-data: error: unknown argument '$1'" >&2; exit 2 ;;
	esac
done

have_data() { compgen -G "$dest/batch*.dat" > /dev/null; }
sums="$root/scripts/gas-drift.sha256"

# check_published DIR FILE...: each FILE (a name in DIR) has the SHA-256
# that scripts/gas-drift.sha256 publishes for it.
check_published() {
	local dir="$1" f want got
	shift
	for f in "$@"; do
		want=$(awk -v n="$f" '$2 == n { print $1 }' "$sums")
		[ -n "$want" ] || { echo "fetch-data: error: '$f' is not a file of the UCI archive" >&2; return 2; }
		got=$(sha256sum "$dir/$f" | cut -d' ' -f1)
		[ "$got" = "$want" ] || { echo "fetch-data: error: '$dir/$f': SHA-256 $got, published $want" >&2; return 2; }
	done
}

copy_mirror() {
	local src="$1"
	[ -d "$src" ] || { echo "fetch-data: error: mirror '$src' is not a directory" >&2; return 2; }
	compgen -G "$src/batch*.dat" > /dev/null ||
		{ echo "fetch-data: error: no batch*.dat in mirror '$src'" >&2; return 2; }
	if [ -f "$src/SHA256SUMS" ]; then
		(cd "$src" && sha256sum --quiet -c SHA256SUMS) ||
			{ echo "fetch-data: error: checksum mismatch in mirror '$src'" >&2; return 2; }
	fi
	local names=()
	for f in "$src"/batch*.dat; do names+=("$(basename "$f")"); done
	check_published "$src" "${names[@]}" || return 2
	mkdir -p "$dest"
	local f
	for f in "$src"/batch*.dat; do
		cp "$f" "$dest/.$(basename "$f").tmp" && mv "$dest/.$(basename "$f").tmp" "$dest/$(basename "$f")"
	done
	[ -f "$src/SHA256SUMS" ] && cp "$src/SHA256SUMS" "$dest/SHA256SUMS"
	echo "fetch-data: copied $(ls "$src"/batch*.dat | wc -l) batch files from '$src' to '$dest'"
}

download() {
	command -v unzip > /dev/null || { echo "fetch-data: unzip not installed" >&2; return 1; }
	local tmp
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	if command -v curl > /dev/null; then
		curl -fsSL --connect-timeout 15 --max-time 900 -o "$tmp/archive.zip" "$url" || return 1
	elif command -v wget > /dev/null; then
		wget -q -T 15 -O "$tmp/archive.zip" "$url" || return 1
	else
		return 1
	fi
	check_published "$tmp" archive.zip || return 2
	# The archive may hold the batch files directly or inside a nested zip.
	(cd "$tmp" && unzip -q -o archive.zip) || return 1
	local inner
	while IFS= read -r inner; do
		(cd "$(dirname "$inner")" && unzip -q -o "$(basename "$inner")") || return 1
	done < <(find "$tmp" -name '*.zip' ! -name archive.zip)
	mkdir -p "$dest"
	local n=0 f
	local found=()
	while IFS= read -r f; do
		check_published "$(dirname "$f")" "$(basename "$f")" || return 2
		found+=("$f")
	done < <(find "$tmp" -name 'batch*.dat')
	for f in "${found[@]}"; do # all checked first: nothing kept from a bad archive
		cp "$f" "$dest/$(basename "$f")"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || return 1
	echo "fetch-data: downloaded $n batch files into '$dest'"
}

if [ -n "$mirror" ]; then
	copy_mirror "$mirror" || exit 2
elif have_data; then
	echo "fetch-data: '$dest' already holds $(ls "$dest"/batch*.dat | wc -l) batch files"
elif download 2> "${TMPDIR:-/tmp}/fetch-data.$$"; then
	rm -f "${TMPDIR:-/tmp}/fetch-data.$$"
elif [ $? = 2 ]; then # downloaded, but not the published bytes
	grep 'fetch-data: error' "${TMPDIR:-/tmp}/fetch-data.$$" >&2
	rm -f "${TMPDIR:-/tmp}/fetch-data.$$"
	exit 2
elif rm -f "${TMPDIR:-/tmp}/fetch-data.$$" && [ -d "$root/../shared/data/gas-drift" ]; then
	echo "fetch-data: no download possible; using the local mirror ../shared/data/gas-drift"
	copy_mirror "$root/../shared/data/gas-drift" || exit 2
else
	echo "fetch-data: error: cannot download '$url' and no mirror given (--mirror DIR)" >&2
	exit 2
fi
have_data || { echo "fetch-data: error: no batch files in '$dest'" >&2; exit 2; }
