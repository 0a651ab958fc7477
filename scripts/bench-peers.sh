#!/usr/bin/env bash
# bench-peers.sh: times overparam's training step against the same loop
# written the natural way in NumPy and in PyTorch (Debian's python3-numpy
# and python3-torch, run with /usr/bin/python3), same data shape (2565 x 128),
# same precision (float64), l4 loss: depth 3 at widths 100 and 1, depth 1,
# and 32 depth-1 models stepped together (per model), on 1 and 2 threads,
# all in this run. Each peer is pinned to the thread count (and says what
# it uses), warmed up, and its fastest of 5 chunks kept; beside its step is
# the sum of the step's operations timed one by one (a step far above its
# parts would be the harness's fault, not the library's) and the step's
# page faults and system time (fresh pages mapped in for its temporaries:
# what such a step pays each time that its parts timed alone do not).
# Prints the ratios peer / overparam.
# usage: scripts/bench-peers.sh [STEPS]   (installs the two packages if missing)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
steps="${1:-2000}"
bin="${OVERPARAM_BIN:-$root/build/overparam}"
"$root/scripts/ensure-packages.sh" python3-numpy python3-torch
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# ours at 2000 steps at least: the peers' few hundred steps are enough for
# their milliseconds, not for our microseconds on a busy machine
"$bin" bench "$((steps > 2000 ? steps : 2000))" > "$tmp/ours.txt"
for t in 1 2; do
	# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set on some machines here) slow a
	# current NumPy; they are unset for the peers' command alone.
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t \
		/usr/bin/python3 "$root/scripts/bench_peers.py" "$steps" "$t" >> "$tmp/peers.txt"
done
grep '^#' "$tmp/peers.txt" | sort -u
printf '%-6s %-6s %-6s %-8s %-6s %14s %14s %12s %12s %12s %10s\n' peer depth width threads batch \
	"peer us/model" "its ops, sum" "faults/step" "sys us/model" "ours us" "peer/ours"
grep -v '^#' "$tmp/peers.txt" | while read -r peer depth width threads batch us ops flt sys; do
	ours=$(awk -v D="$depth" -v w="$width" -v t="$threads" -v b="$batch" \
		'$1 == D && $2 == w && $3 == "l4" && $4 == t && $5 == b { print $6 }' "$tmp/ours.txt")
	awk -v p="$peer" -v D="$depth" -v w="$width" -v t="$threads" -v b="$batch" -v a="$us" -v o="$ops" -v f="$flt" -v s="$sys" -v c="$ours" \
		'BEGIN { printf "%-6s %-6s %-6s %-8s %-6s %14.1f %14.1f %12d %12.1f %12.1f %10.1f\n", p, D, w, t, b, a, o, f, s, c, a / c }'
done
