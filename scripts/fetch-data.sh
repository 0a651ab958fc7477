#!/usr/bin/env bash
# fetch-data.sh: put the UCI "Gas Sensor Array Drift Dataset at Different
# Concentrations" batch files into data/gas-drift/ (git-ignored).
#
#   scripts/fetch-data.sh [gas] [--mirror DIR] [--dest DIR]
#   scripts/fetch-data.sh mnist [--mirror DIR] [--dest DIR]   (scripts/fetch-mnist.sh)
#
# Order of sources: --mirror DIR, else $OVERPARAM_DATA_MIRROR, else a download
# of the UCI archive, else the sibling mirror ../shared/data/gas-drift (for
# machines without internet). A mirror's SHA256SUMS, when present, is checked.
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

copy_mirror() {
	local src="$1"
	[ -d "$src" ] || { echo "fetch-data: error: mirror '$src' is not a directory" >&2; return 2; }
	compgen -G "$src/batch*.dat" > /dev/null ||
		{ echo "fetch-data: error: no batch*.dat in mirror '$src'" >&2; return 2; }
	if [ -f "$src/SHA256SUMS" ]; then
		(cd "$src" && sha256sum --quiet -c SHA256SUMS) ||
			{ echo "fetch-data: error: checksum mismatch in mirror '$src'" >&2; return 2; }
	fi
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
	# The archive may hold the batch files directly or inside a nested zip.
	(cd "$tmp" && unzip -q -o archive.zip) || return 1
	local inner
	while IFS= read -r inner; do
		(cd "$(dirname "$inner")" && unzip -q -o "$(basename "$inner")") || return 1
	done < <(find "$tmp" -name '*.zip' ! -name archive.zip)
	mkdir -p "$dest"
	local n=0 f
	while IFS= read -r f; do
		cp "$f" "$dest/$(basename "$f")"
		n=$((n + 1))
	done < <(find "$tmp" -name 'batch*.dat')
	[ "$n" -gt 0 ] || return 1
	echo "fetch-data: downloaded $n batch files into '$dest'"
}

if [ -n "$mirror" ]; then
	copy_mirror "$mirror" || exit 2
elif have_data; then
	echo "fetch-data: '$dest' already holds $(ls "$dest"/batch*.dat | wc -l) batch files"
elif download 2> /dev/null; then
	:
elif [ -d "$root/../shared/data/gas-drift" ]; then
	echo "fetch-data: no download possible; using the local mirror ../shared/data/gas-drift"
	copy_mirror "$root/../shared/data/gas-drift" || exit 2
else
	echo "fetch-data: error: cannot download '$url' and no mirror given (--mirror DIR)" >&2
	exit 2
fi
have_data || { echo "fetch-data: error: no batch files in '$dest'" >&2; exit 2; }
