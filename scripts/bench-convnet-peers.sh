#!/usr/bin/env bash
# bench-convnet-peers.sh: times Figure 5 (right)'s training step in
# overparam (`overparam bench convnet`) against the same network and loss
# written the natural way in PyTorch on CPU (Debian's python3-torch, run
# with /usr/bin/python3), float32 and float64, original and
# overparameterized dense layers, on 1 and 2 threads, all in this run.
# Prints the ratios torch / overparam (above 1: we are faster).
# usage: scripts/bench-convnet-peers.sh [STEPS]   (default 20; installs
#        python3-torch if missing)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
steps="${1:-20}"
bin="${OVERPARAM_BIN:-$root/build/overparam}"
"$root/scripts/ensure-packages.sh" python3-torch
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" bench convnet "$steps" | tee "$tmp/ours.txt"
for t in 1 2; do
	OMP_NUM_THREADS=$t /usr/bin/python3 "$root/scripts/bench_convnet_peers.py" "$steps" "$t" >> "$tmp/peers.txt"
done
echo
printf '%-9s %-8s %-8s %12s %12s %12s\n' precision dense threads "torch ms" "ours ms" "torch/ours"
while read -r peer precision dense threads ms; do
	ours=$(awk -v p="$precision" -v d="$dense" -v t="$threads" '$1 == p && $2 == d && $3 == t { print $4 }' "$tmp/ours.txt")
	awk -v p="$precision" -v d="$dense" -v t="$threads" -v a="$ms" -v b="$ours" \
		'BEGIN { printf "%-9s %-8s %-8s %12.1f %12.1f %12.2f\n", p, d, t, a, b, a / b }'
done < "$tmp/peers.txt"
