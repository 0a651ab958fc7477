#!/usr/bin/env bash
# Every figure config (configs/*.json but quickstart and the convnet ones,
# which test_convnet_cli runs) runs, shortened to 200 iterations, through
# scripts/reproduce.sh, so none of them rots: each panel gets its plot and
# the report lists every claim.
# usage: test_reproduce.sh OVERPARAM_BINARY SOURCE_DIR
set -u
bin="$1"
src=$(cd "$2" && pwd)
. "$src/tests/lib.sh"
# Two replicates: over data subsets for the gas-drift figures, seeds for
# the others (the default protocol's kinds, at a size that runs quickly).
OVERPARAM_BIN="$bin" bash "$src/scripts/reproduce.sh" --iterations 200 --replicates 2 --out "$tmp" > "$tmp/log" 2>&1 ||
	{ echo "FAIL reproduce.sh: $(tail -3 "$tmp/log")" >&2; exit 1; }
n=0
for f in "$src"/configs/*.json; do
	c=$(basename "$f" .json)
	{ [ "$c" = quickstart ] || grep -q '"model": *"convnet"' "$f"; } && continue
	n=$((n + 1))
	if [ -s "$tmp/$c/loss.png" ] && [ -s "$tmp/$c/summary.csv" ]; then
		ok
	else
		bad "$c: no plot or summary"
	fi
	grep -q "^## .*" "$tmp/report.md" && grep -q "($c/loss.png)" "$tmp/report.md" &&
		ok || bad "report lacks $c"
done
[ "$n" -ge 12 ] && ok || bad "only $n figure configs found"
claims=$(grep -c '^| .* | .* | \(reproduced\|\*\*\(partly\|not reproduced\|inconclusive\|cannot fail here\|not checked\)\*\*\) | .* |$' "$tmp/report.md")
[ "$claims" -ge 25 ] && ok || bad "report lists $claims claims"
# Diagnostics columns of the multi-output config.
head -1 "$tmp"/gas_classes/runs/03-depth-2-*.csv | grep -q '^iteration,loss,we_norm,imbalance,e2e_loss,e2e_gap,sv1,sv2,sv3,sv4,sv5,sv6$' &&
	ok || bad "gas_classes diagnostics columns"
finish test_reproduce
