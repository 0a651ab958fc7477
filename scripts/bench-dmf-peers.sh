#!/usr/bin/env bash
# bench-dmf-peers.sh: one step of deep matrix completion (n = 100, rank 5,
# 2000 observed entries, depth 3, square layers, float64, GD) in overparam
# against the same step written the natural way in PyTorch (the authors'
# framework; Debian's python3-torch, /usr/bin/python3), in this run, on 1
# and 2 threads, under the same environment (OPENBLAS_CORETYPE as set).
# Ours: the seconds `overparam run` reports for the training loop of
# STEPS steps (2 rows of metrics, an SVD each, inside), fastest of 3; the
# peer: fastest of 5 chunks after a warm-up. Prints the ratio peer / ours.
# usage: scripts/bench-dmf-peers.sh [STEPS]   (installs python3-torch if missing)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
steps="${1:-2000}"
bin="${OVERPARAM_BIN:-$root/build/overparam}"
"$root/scripts/ensure-packages.sh" python3-torch
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/step.json" <<JSON
{"name": "dmf-step", "seed": 1,
 "data": {"source": "matrix_completion", "n": 100, "rank": 5, "observations": 2000},
 "train": {"iterations": $steps, "log_every": $steps},
 "defaults": {"init": {"scheme": "normal", "scale": 1e-3}, "optimizer": {"name": "gd", "lr": 1e-3}},
 "runs": [{"label": "depth 3", "model": {"depth": 3, "width": 100}}]}
JSON
echo "# OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} for both; $steps steps"
printf '%-6s %-6s %-6s %-8s %12s %12s %10s\n' n depth m threads "peer us" "ours us" "peer/ours"
for t in 1 2; do
	best=""
	for r in 1 2 3; do
		s=$("$bin" run "$tmp/step.json" -o "$tmp/out" --force --no-plot --threads "$t" 2>&1 |
			sed -n 's/.*depth 3: ok,.*(\([0-9.]*\) s)$/\1/p')
		[ -n "$s" ] || { echo "bench-dmf-peers: overparam run failed" >&2; exit 1; }
		best=$(awk -v a="${best:-$s}" -v b="$s" 'BEGIN { print (b < a ? b : a) }')
	done
	ours=$(awk -v s="$best" -v n="$steps" 'BEGIN { printf "%.1f", s / n * 1e6 }')
	OMP_NUM_THREADS=$t /usr/bin/python3 "$root/scripts/bench_dmf_peer.py" "$steps" "$t" > "$tmp/peer.txt"
	grep '^#' "$tmp/peer.txt" >&2
	grep -v '^#' "$tmp/peer.txt" | while read -r peer n depth m threads us; do
		awk -v n="$n" -v D="$depth" -v m="$m" -v t="$threads" -v a="$us" -v o="$ours" \
			'BEGIN { printf "%-6s %-6s %-6s %-8s %12.1f %12.1f %10.2f\n", n, D, m, t, a, o, a / o }'
	done
done
