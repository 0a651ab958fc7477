#!/usr/bin/env bash
# reproduce.sh: runs every figure config of the paper's linear experiments
# and writes results/reproduce/: one directory (with loss.png) per figure
# panel and report.md, which states each claim of Section 8 and whether our
# curves bear it out, with the numbers.
# usage: scripts/reproduce.sh [--iterations N] [--out DIR]
#   --iterations N  every run for N iterations (a quick smoke test; the
#                   claims are then not meaningful)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/results/reproduce"
extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	--iterations) extra=(--iterations "$2"); shift 2 ;;
	--out) out="$2"; shift 2 ;;
	-h|--help) sed -n '2,9p' "$0"; exit 0 ;;
	*) echo "reproduce: error: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
bin="${OVERPARAM_BIN:-$root/build/overparam}"
bin=$(readlink -f "$bin")
[ -x "$bin" ] || { echo "reproduce: error: '$bin' not built (run scripts/build.sh)" >&2; exit 2; }
configs=(fig2_l2 fig2_l4 fig2_l4_gaussian fig2_l4_gaussian_scales fig3_l2 fig3_l4 fig4_left fig4_right fig5_left sec7_l2 sec7_l4 gas_classes)
mkdir -p "$out"
start=$(date +%s)
for c in "${configs[@]}"; do
	t0=$(date +%s)
	"$bin" run "$root/configs/$c.json" -o "$out/$c" --force --quiet "${extra[@]}"
	echo "reproduce: $c done in $(( $(date +%s) - t0 )) s"
done
cd "$out"
"$bin" report "${configs[@]}" -o report.md
echo "reproduce: all figures in $(( $(date +%s) - start )) s; report: $out/report.md"
