#!/usr/bin/env bash
# Every figure config runs (shortened to 200 iterations) through
# scripts/reproduce.sh, so none of them rots: each panel gets its plot and
# the report lists every claim.
# usage: test_reproduce.sh OVERPARAM_BINARY SOURCE_DIR
set -u
bin="$1"
src=$(cd "$2" && pwd)
. "$src/tests/lib.sh"
OVERPARAM_BIN="$bin" bash "$src/scripts/reproduce.sh" --iterations 200 --out "$tmp" > "$tmp/log" 2>&1 ||
	{ echo "FAIL reproduce.sh: $(tail -3 "$tmp/log")" >&2; exit 1; }
for c in fig2_l2 fig2_l4 fig2_l4_gaussian fig2_l4_gaussian_scales fig3_l2 fig3_l4 fig4_left fig4_right fig5_left sec7_l2 sec7_l4 gas_classes; do
	if [ -s "$tmp/$c/loss.png" ] && [ -s "$tmp/$c/summary.csv" ]; then
		ok
	else
		bad "$c: no plot or summary"
	fi
	grep -q "^## .*" "$tmp/report.md" && grep -q "($c/loss.png)" "$tmp/report.md" &&
		ok || bad "report lacks $c"
done
claims=$(grep -c '^| .* | .* | \(holds\|\*\*does not hold\*\*\|not checked\) |$' "$tmp/report.md")
[ "$claims" -ge 25 ] && ok || bad "report lists $claims claims"
# Diagnostics columns of the multi-output config.
head -1 "$tmp"/gas_classes/runs/02-*.csv | grep -q '^iteration,loss,we_norm,imbalance,e2e_loss,e2e_gap,sv1,sv2,sv3,sv4,sv5,sv6$' &&
	ok || bad "gas_classes diagnostics columns"
finish test_reproduce
