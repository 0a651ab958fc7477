#!/usr/bin/env bash
# Exact dynamics in configs: whitened data, the decoupled start and the
# mode columns, judged by the report's exact_curve and under_bound claims
# (configs/saxe.json, configs/iclr2019_margin.json); what cannot be judged
# is "not checked", never "reproduced"; what needs whitened data is refused
# before anything is written.
# usage: test_cli_exact.sh OVERPARAM_BINARY SOURCE_DIR
. "$(dirname "$0")/cli_fixtures.sh"

expect_rc 0 "saxe.json" "$bin" run "$src/configs/saxe.json" -o "$tmp/saxe" --quiet --no-plot
head -n 1 "$tmp/saxe/runs/03-depth-3.csv" | grep -qx "iteration,loss,we_norm,imbalance,mode1,mode2,margin,flow_bound" && ok ||
	bad "mode columns: $(head -n 1 "$tmp/saxe/runs/03-depth-3.csv")"
# the start: each mode's strength is init.std = 0.01; the layers balanced
awk -F, 'function abs(x) { return x < 0 ? -x : x } NR == 2 { exit !(abs($5 - 0.01) < 1e-15 && abs($6 - 0.01) < 1e-15 && $4 < 1e-15) }' "$tmp/saxe/runs/03-depth-3.csv" &&
	ok || bad "decoupled start: $(sed -n 2p "$tmp/saxe/runs/03-depth-3.csv")"
expect_rc 0 "report saxe" "$bin" report "$tmp/saxe"
[ "$(grep -c '^| .* lies on .*exact curve | reproduced | deviation / bound 0\.5[0-9] |' "$tmp/out")" = 6 ] && ok ||
	bad "exact_curve claims: $(grep 'exact curve' "$tmp/out")"
# Momentum is not GD: its curve is not the flow's, and the claim says so
expect_rc 0 "saxe, momentum" "$bin" run "$src/configs/saxe.json" -o "$tmp/mom" --quiet --no-plot --set 'defaults.optimizer.name="momentum"'
expect_rc 0 "report momentum" "$bin" report "$tmp/mom"
[ "$(grep -c '| \*\*not checked\*\* | no exact curve here: needs whitened data and GD |' "$tmp/out")" = 6 ] && ok ||
	bad "exact_curve under momentum: $(grep 'exact curve' "$tmp/out" | head -2)"
# Without the mode columns: not checked
expect_rc 0 "saxe, no modes" "$bin" run "$src/configs/saxe.json" -o "$tmp/nomodes" --quiet --no-plot --set 'defaults.diagnostics={}'
expect_rc 0 "report no modes" "$bin" report "$tmp/nomodes"
grep -q '| \*\*not checked\*\* | no mode columns |' "$tmp/out" && ok || bad "exact_curve without modes: $(grep 'exact curve' "$tmp/out" | head -2)"
# A step far from first order fails the claim: lr 0.15 on depth 4
# (lr N s^(2-2/N) = 1.7 at the fixed point: Euler oscillates about it)
expect_rc 0 "saxe, large lr" "$bin" run "$src/configs/saxe.json" -o "$tmp/big" --quiet --no-plot --set 'defaults.optimizer.lr=0.15' --set train.iterations=400
expect_rc 0 "report large lr" "$bin" report "$tmp/big"
grep -q 'depth 4 lies on its exact curve | \*\*not reproduced\*\*' "$tmp/out" && ok || bad "exact_curve at lr 0.15: $(grep 'depth 4 lies' "$tmp/out")"

expect_rc 0 "iclr2019_margin.json" "$bin" run "$src/configs/iclr2019_margin.json" -o "$tmp/iclr" --quiet --no-plot
# the margin: s - |u0 - s| = 2 - 1 = 1 for the decoupled starts
awk -F, 'NR == 2 { d = $6 - 1; if (d < 0) d = -d; exit !(d < 1e-12) }' "$tmp/iclr/runs/02-depth-3.csv" &&
	ok || bad "deficiency margin: $(sed -n 1,2p "$tmp/iclr/runs/02-depth-3.csv")"
expect_rc 0 "report iclr" "$bin" report "$tmp/iclr"
[ "$(grep -c 'stays under the flow bound | reproduced |' "$tmp/out")" = 3 ] && ok || bad "under_bound: $(grep 'flow bound' "$tmp/out")"
grep -q 'no margin, no bound | \*\*not checked\*\*' "$tmp/out" && ok || bad "under_bound without a margin: $(grep 'no margin' "$tmp/out")"
# the plot draws each bound beside its run; none for the start without a margin
expect_rc 0 "plot iclr" "$bin" plot "$tmp/iclr"
[ "$(grep -c "gradient-flow bound'" "$tmp/iclr/plot.gp")" = 3 ] && ! grep -q "random balanced start: gradient-flow bound" "$tmp/iclr/plot.gp" &&
	ok || bad "flow bounds in plot.gp: $(grep -o "'[^']*gradient-flow bound'" "$tmp/iclr/plot.gp")"

# Refused before anything is written
expect_rc 2 "decoupled without whitened data" "$bin" run "$tmp/toy.json" -o "$tmp/r1" --set 'runs[0].init.scheme="decoupled"'
grep -q 'init.scheme "decoupled" needs data.source "whitened"' "$tmp/err" && [ ! -e "$tmp/r1" ] && ok || bad "decoupled refusal: $(cat "$tmp/err")"
expect_rc 2 "modes without whitened data" "$bin" run "$tmp/toy.json" -o "$tmp/r2" --set 'runs[0].diagnostics.modes=true'
grep -q 'diagnostics.modes needs data.source "whitened"' "$tmp/err" && [ ! -e "$tmp/r2" ] && ok || bad "modes refusal: $(cat "$tmp/err")"
expect_rc 2 "whitened, standardized" "$bin" run "$src/configs/saxe.json" -o "$tmp/r3" --set 'data.preprocess="standardize"'
expect_rc 2 "whitened, m < d" "$bin" run "$src/configs/saxe.json" -o "$tmp/r4" --set data.m=4
expect_rc 2 "decoupled, narrow" "$bin" run "$src/configs/saxe.json" -o "$tmp/r5" --set 'runs[2].model.width=1'
[ ! -e "$tmp/r3" ] && [ ! -e "$tmp/r4" ] && [ ! -e "$tmp/r5" ] && ok || bad "a refused run wrote its directory"
finish test_cli_exact
