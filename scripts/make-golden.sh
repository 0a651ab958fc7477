#!/usr/bin/env bash
# make-golden.sh: regenerates the golden curves in tests/golden/<name>/
# (summary.csv and runs/*.csv) from tests/golden/configs/<name>.json. Run it
# only when a change of numerics is intended, then review the diff; the
# test tests/test_golden.sh checks them against independent references.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="${OVERPARAM_BIN:-$root/build/overparam}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for cfg in "$root"/tests/golden/configs/*.json; do
	name=$(basename "$cfg" .json)
	"$bin" run "$cfg" -o "$tmp/$name" --no-plot --quiet
	rm -rf "$root/tests/golden/$name"
	mkdir -p "$root/tests/golden/$name/runs"
	cp "$tmp/$name/summary.csv" "$root/tests/golden/$name/"
	cp "$tmp/$name"/runs/*.csv "$root/tests/golden/$name/runs/"
	echo "make-golden: tests/golden/$name ($(ls "$tmp/$name/runs" | wc -l) runs)"
done
