#!/usr/bin/env bash
# Command-line tests: a tiny inline run checked against its closed form,
# byte-identical reruns, output-directory safety, gnuplot missing, `plot`,
# and a short Figure 2 run on the gas-drift data where each Eq. 12 run must
# track its deep network.
# usage: test_cli.sh OVERPARAM_BINARY SOURCE_DIR
set -u
bin="$1"
src=$(cd "$2" && pwd)
. "$src/tests/lib.sh"

expect_rc 0 "--help" "$bin" --help
grep -q "^usage: overparam run CONFIG" "$tmp/out" && ok || bad "--help prints usage"
grep -q "exit codes" "$tmp/out" && ok || bad "--help lists exit codes"
expect_rc 0 "--version" "$bin" --version
grep -Eq "^overparam [0-9]+\.[0-9]+\.[0-9]+$" "$tmp/out" && ok || bad "--version format"
# Per-command help on stdout, exit 0; a usage error is one line and a
# pointer to that help (feature 10). --version names the libraries.
full=$("$bin" --help | wc -l)
for c in run merge plot report compare check bench; do
	expect_rc 0 "$c --help" "$bin" "$c" --help
	head -n 1 "$tmp/out" | grep -q "^usage: overparam $c" && ok || bad "$c --help: $(head -n 1 "$tmp/out")"
	[ "$(wc -l < "$tmp/out")" -lt "$((full * 2 / 3))" ] && ok || bad "$c --help prints the whole usage"
done
expect_rc 0 "help run" "$bin" help run
grep -q -- "--checkpoint-every" "$tmp/out" && ok || bad "help run lacks the run options"
expect_rc 2 "usage error" "$bin" run x.json --bogus
[ "$(wc -l < "$tmp/err")" = 2 ] && grep -q "^try 'overparam run --help'$" "$tmp/err" && ok || bad "usage error: $(cat "$tmp/err")"
expect_rc 0 "--version" "$bin" --version
grep -q "^OpenBLAS: OpenBLAS " "$tmp/out" && grep -q "^LAPACK: [0-9]" "$tmp/out" && grep -q "^cJSON: [0-9]" "$tmp/out" &&
	ok || bad "--version lacks library versions: $(cat "$tmp/out")"
expect_rc 2 "no command" "$bin"
expect_rc 2 "unknown command" "$bin" frobnicate
expect_rc 2 "run without config" "$bin" run
expect_rc 2 "unknown option" "$bin" run x.json --bogus

# GD on depth 1 from W = 0 (std 0), l2, x = e1, e2, y = (3, 0.5), m = 2:
# dL/dw_i = (w_i - y_i)/2, so Delta_i(t) = -y_i (1 - lr/2)^t and
# L(t) = (1/2)(1/2) sum_i y_i^2 (1 - lr/2)^(2t).
cat > "$tmp/toy.json" <<'JSON'
{
  "name": "toy",
  "data": {"source": "inline", "x": [[1, 0], [0, 1]], "y": [3, 0.5], "preprocess": "none"},
  "loss": {"p": 2},
  "train": {"iterations": 10, "log_every": 5},
  "runs": [{"label": "gd", "model": {"depth": 1}, "init": {"std": 0}, "optimizer": {"lr": 0.5}}]
}
JSON
expect_rc 0 "toy run" "$bin" run "$tmp/toy.json" -o "$tmp/toy" --quiet
csv="$tmp/toy/runs/01-gd.csv"
[ "$(head -1 "$csv")" = "iteration,loss,we_norm,imbalance" ] && ok || bad "csv header"
[ "$(tail -n +2 "$csv" | cut -d, -f1 | tr '\n' ' ')" = "0 5 10 " ] && ok || bad "logged iterations 0 5 10"
awk -F, 'NR > 1 { t = $1; want = 0.25 * (9 + 0.25) * (0.75 ^ (2 * t));
	if ((($2 - want) ^ 2) ^ 0.5 > 1e-14 * want) { print "row " t ": " $2 " != " want; bad = 1 } }
	END { exit bad }' "$csv" && ok || bad "toy loss against closed form"
for f in summary.csv metadata.json config.json plot.gp loss.png; do
	[ -s "$tmp/toy/$f" ] && ok || bad "toy wrote $f"
done
grep -Eq '"status":[[:space:]]*"complete"' "$tmp/toy/metadata.json" && ok || bad "metadata status"
ls "$tmp/toy" "$tmp/toy/runs" | grep -q '\.tmp\.' && bad "temporary files left" || ok

# Same config twice: identical bytes.
expect_rc 0 "toy rerun" "$bin" run "$tmp/toy.json" -o "$tmp/toy2" --quiet --no-plot
cmp -s "$csv" "$tmp/toy2/runs/01-gd.csv" && ok || bad "rerun CSV differs"
cmp -s "$tmp/toy/summary.csv" "$tmp/toy2/summary.csv" && ok || bad "rerun summary differs"

# Figure 2 (l4), shortened, on the gas-drift data: every Eq. 12 run tracks
# its deep networks, and width does not matter (balanced init): losses agree
# within 5e-3 relative at every logged iteration (measured: 2.1e-3 at most, the O(lr) gap between two Euler discretizations of one flow).
data="$src/data/gas-drift"
sed -e "s|\"dir\": \"../data/gas-drift\"|\"dir\": \"$data\"|" \
	-e 's|"iterations": 20000, "log_every": 50|"iterations": 3000, "log_every": 100|' \
	"$src/configs/fig2_l4.json" > "$tmp/fig2.json"
# Grid selection where the best point is known: l2 on x = e1, e2 from W = 0
# has dL/dw = (w - y)/2, so Delta(t) = (1 - lr/2)^t Delta(0): lr = 2 solves
# it in one step, lr = 5 diverges (|1 - 5/2| > 1), the others are slower.
cat > "$tmp/grid.json" <<'JSON'
{
  "name": "grid",
  "data": {"source": "inline", "x": [[1, 0], [0, 1]], "y": [3, 0.5], "preprocess": "none"},
  "loss": {"p": 2, "form": "data"},
  "train": {"iterations": 10, "log_every": 1},
  "runs": [{"label": "gd", "model": {"depth": 1}, "init": {"std": 0},
            "optimizer": {"lr": [0.5, 1, 2, 3, 5]}}]
}
JSON
for by in final_loss time_to_target; do
	sel='"select": {"by": "final_loss"},'
	[ "$by" = time_to_target ] && sel='"select": {"by": "time_to_target", "target": 1e-20},'
	sed "s|\"train\"|$sel \"train\"|" "$tmp/grid.json" > "$tmp/grid_$by.json"
	expect_rc 0 "grid ($by)" "$bin" run "$tmp/grid_$by.json" -o "$tmp/grid_$by" --quiet --no-plot
	[ "$(awk -F, '$22 == 1 { print $4 }' "$tmp/grid_$by/summary.csv")" = "lr=2" ] && ok ||
		bad "grid ($by): the winner is not lr=2"
	grep -q '^5,gd \[lr=5\],gd,lr=5,.*,diverged,[0-9]*,[0-9]*,' "$tmp/grid_$by/summary.csv" && ok ||
		bad "grid ($by): lr=5 not recorded as diverged"
done
[ "$(awk -F, '$22 == 1 { print $18 }' "$tmp/grid_time_to_target/summary.csv")" = 1 ] && ok ||
	bad "grid: lr=2 reaches the target at iteration 1"

# 1 vs 2 data-pass threads: identical bytes (chunked sums reduced in order).
expect_rc 0 "threads 1" "$bin" run "$tmp/fig2.json" -o "$tmp/th1" --quiet --no-plot --threads 1 --iterations 300
expect_rc 0 "threads 2" "$bin" run "$tmp/fig2.json" -o "$tmp/th2" --quiet --no-plot --threads 2 --iterations 300
for f in "$tmp"/th1/runs/*.csv; do
	cmp -s "$f" "$tmp/th2/runs/$(basename "$f")" && ok || bad "threads: $(basename "$f") differs"
done

# Grid batching: batched and one-by-one runs agree to rounding; batched runs
# give the same bytes on 1 and 2 threads.
g="$src/tests/golden/configs/synthetic_l4.json"
expect_rc 0 "batched t1" "$bin" run "$g" -o "$tmp/bt1" --quiet --no-plot --threads 1
expect_rc 0 "batched t2" "$bin" run "$g" -o "$tmp/bt2" --quiet --no-plot --threads 2
expect_rc 0 "unbatched" "$bin" run "$g" -o "$tmp/nb" --quiet --no-plot --no-batch
expect_rc 0 "batched = threads" "$bin" compare "$tmp/bt1" "$tmp/bt2" --rtol 0 --atol 0
expect_rc 0 "batched ~ unbatched" "$bin" compare "$tmp/nb" "$tmp/bt1" --rtol 1e-9 --atol 1e-15
grep -Eq '"grid_batching":[[:space:]]*"on' "$tmp/bt1/metadata.json" && ok || bad "metadata grid_batching"

# An existing run directory is not overwritten without --force.
expect_rc 2 "existing outdir" "$bin" run "$tmp/toy.json" -o "$tmp/toy" --quiet
grep -q "exists and is not empty" "$tmp/err" && ok || bad "existing outdir message"
expect_rc 0 "--force" "$bin" run "$tmp/toy.json" -o "$tmp/toy" --quiet --force

# gnuplot missing: CSVs written, clear message, exit 1.
OVERPARAM_GNUPLOT=/nonexistent/gnuplot expect_rc 1 "gnuplot missing" \
	"$bin" run "$tmp/toy.json" -o "$tmp/nognuplot" --quiet
grep -q "not found" "$tmp/err" && ok || bad "gnuplot missing message"
[ -s "$tmp/nognuplot/runs/01-gd.csv" ] && [ -s "$tmp/nognuplot/summary.csv" ] && ok ||
	bad "CSVs written without gnuplot"
expect_rc 0 "plot DIR" "$bin" plot "$tmp/nognuplot"
[ -s "$tmp/nognuplot/loss.png" ] && ok || bad "plot made loss.png"
expect_rc 2 "plot of a non-run dir" "$bin" plot "$tmp"

expect_rc 0 "fig2 short" "$bin" run "$tmp/fig2.json" -o "$tmp/fig2" --quiet
runs="$tmp/fig2/runs"
for pair in "01 03" "02 03" "04 06" "05 06"; do
	set -- $pair
	paste -d, "$runs/$1-"*.csv "$runs/$2-"*.csv | awk -F, -v p="$pair" '
		NR > 1 { r = ($2 - $6) / $6; if (r < 0) r = -r; if (r > worst) worst = r }
		END { printf "fig2 l4 runs %s: max relative loss gap %.2e\n", p, worst; exit worst > 5e-3 }' &&
		ok || bad "fig2: runs $pair do not agree within 5e-3"
done
awk -F, 'NR > 1 && $2 >= 2.04 { late = 1 } END { exit late }' <(tail -n 1 "$runs/04-"*.csv) &&
	ok || bad "fig2: depth-3 loss did not decrease"

# SIGINT during a run: the current step finishes, finished runs keep complete
# CSVs, the interrupted run is marked, nothing half-written, exit 1.
cat > "$tmp/long.json" <<'JSON'
{
  "name": "long",
  "data": {"source": "synthetic", "m": 2000, "d": 64, "noise": 0.1},
  "loss": {"p": 4},
  "train": {"iterations": 2000000, "log_every": 1000},
  "runs": [
    {"label": "short", "model": {"depth": 1}, "train": {"iterations": 10}},
    {"label": "long", "model": {"depth": 2}},
    {"label": "never", "model": {"depth": 3}}
  ]
}
JSON
# The signal comes from inside at a known iteration (OVERPARAM_TEST_RAISE),
# not after a wait that a loaded machine could outlast.
OVERPARAM_TEST_RAISE=INT@8192 "$bin" run "$tmp/long.json" -o "$tmp/long" --quiet 2> "$tmp/err"
rc=$?
[ "$rc" = 1 ] && grep -q "interrupted" "$tmp/err" && ok || bad "SIGINT: exit $rc, $(cat "$tmp/err")"
[ "$(tail -n 1 "$tmp/long/runs/01-short.csv" | cut -d, -f1)" = 10 ] && ok || bad "SIGINT: finished run incomplete"
grep -q '^2,long,.*,interrupted,' "$tmp/long/summary.csv" && ok || bad "SIGINT: run 2 not marked interrupted"
grep -q '^3,never,.*,interrupted,' "$tmp/long/summary.csv" && ok || bad "SIGINT: run 3 not marked"
grep -Eq '"status":[[:space:]]*"interrupted"' "$tmp/long/metadata.json" && ok || bad "SIGINT: metadata status"
last=$(tail -n 1 "$tmp/long/runs/02-long.csv" | cut -d, -f1)
[ "$last" -gt 0 ] 2> /dev/null && ok || bad "SIGINT: run 2 has no rows up to the interruption"
ls "$tmp/long" "$tmp/long/runs" | grep -q '\.tmp\.' && bad "SIGINT: temporary files left" || ok

# --resume: interrupt a batch of grid points, resume, interrupt again in a
# run with an emulation twin, resume again: the same bytes as an
# uninterrupted run (Adam's moments, the twin and the batch all restored).
cat > "$tmp/res.json" <<'JSON'
{
  "name": "res",
  "data": {"source": "synthetic", "m": 1000, "d": 32, "noise": 0.1},
  "loss": {"p": 4},
  "train": {"iterations": 150000, "log_every": 1000, "save_every": 50000},
  "defaults": {"init": {"scheme": "balanced", "std": 0.1}, "optimizer": {"name": "adam"}},
  "runs": [
    {"label": "short", "model": {"depth": 1}, "train": {"iterations": 2000}},
    {"label": "grid", "model": {"depth": 3, "width": 2}, "optimizer": {"lr": [0.0003, 0.001, 3]}},
    {"label": "long", "model": {"depth": 3, "width": 3}, "diagnostics": {"emulate": true}},
    {"label": "after", "model": {"depth": 2}, "train": {"iterations": 3000}}
  ]
}
JSON
expect_rc 0 "uninterrupted" "$bin" run "$tmp/res.json" -o "$tmp/resA" --quiet --no-plot
interrupt_at() { # interrupt_at SIGNAL@ITERATION[:RUN] [--resume]: SIGINT from inside
	local at="$1"
	shift
	OVERPARAM_TEST_RAISE="$at" "$bin" run "$tmp/res.json" -o "$tmp/resB" --quiet --no-plot "$@" 2> /dev/null
	[ $? = 1 ] && ok || bad "$at: not interrupted"
}
interrupt_at INT@20000 # in the grid's batch
[ -s "$tmp/resB/weights/03-grid-lr-0-001/checkpoint/state.txt" ] && ok || bad "resume: no batch checkpoint"
interrupt_at INT@40000:5 --resume # in the run with a twin
[ -s "$tmp/resB/weights/05-long/checkpoint/state.txt" ] && ok || bad "resume: no twin checkpoint"
expect_rc 0 "resume" "$bin" run "$tmp/res.json" -o "$tmp/resB" --quiet --no-plot --resume
expect_rc 0 "resumed = uninterrupted" "$bin" compare "$tmp/resA" "$tmp/resB" --rtol 0 --atol 0
cmp -s "$tmp/resA/runs/05-long.csv" "$tmp/resB/runs/05-long.csv" && ok || bad "resume: CSV bytes differ"
cmp -s "$tmp/resA/summary.csv" "$tmp/resB/summary.csv" && ok || bad "resume: summary differs"
[ -e "$tmp/resB/weights/05-long/checkpoint" ] && bad "resume: stale checkpoint left" || ok
expect_rc 2 "resume with another config" "$bin" run "$tmp/toy.json" -o "$tmp/resB" --quiet --resume
grep -q "differs from the config it was started with" "$tmp/err" && ok || bad "resume: config check message"
# Saved weights: init, final and every save_every; an independent reader
# (tests/ref/check_npy.py, no NumPy) recomputes ||W_e|| from the layers.
for d in init iter_000050000 iter_000100000 final; do
	[ -s "$tmp/resA/weights/05-long/$d/W3.npy" ] && ok || bad "weights: no $d/W3.npy"
done
for run in 01-short 03-grid-lr-0-001 05-long 06-after; do
	python3 "$src/tests/ref/check_npy.py" "$tmp/resA/weights/$run" "$tmp/resA/runs/$run.csv" > /dev/null &&
		ok || bad "npy of $run does not give the logged ||W_e||"
done
# --init-from: a run started from another's final weights starts at its final loss.
expect_rc 0 "init-from" "$bin" run "$tmp/toy.json" -o "$tmp/toy3" --quiet --no-plot --init-from "$tmp/toy"
a=$(tail -n 1 "$tmp/toy/runs/01-gd.csv" | cut -d, -f2)
b=$(sed -n 2p "$tmp/toy3/runs/01-gd.csv" | cut -d, -f2)
[ "$a" = "$b" ] && ok || bad "init-from: starts at $b, the earlier run ended at $a"
expect_rc 2 "init-from a missing dir" "$bin" run "$tmp/toy.json" -o "$tmp/toy4" --quiet --init-from "$tmp/nowhere"

# A run that diverges is never selected, also alone in its group: the group
# has no winner and the plot and the report say so (issue 14, defect 2).
cat > "$tmp/div.json" <<'JSON'
{
  "name": "div",
  "data": {"source": "synthetic", "m": 200, "d": 8, "noise": 0.1},
  "loss": {"p": 4},
  "train": {"iterations": 2000, "log_every": 100},
  "runs": [
    {"label": "boom", "model": {"depth": 3, "width": 10}, "init": {"scheme": "balanced", "std": 1}, "optimizer": {"lr": 5}},
    {"label": "fine", "model": {"depth": 1}, "optimizer": {"lr": 0.01}},
    {"label": "grid boom", "model": {"depth": 2}, "init": {"scheme": "balanced", "std": 1}, "optimizer": {"lr": [5, 50]}}
  ]
}
JSON
expect_rc 0 "a diverging lone run" "$bin" run "$tmp/div.json" -o "$tmp/div" --quiet
grep -q '^1,boom,.*,diverged,.*,0,runs/01-boom.csv,' "$tmp/div/summary.csv" && ok || bad "diverged lone run selected: $(sed -n 2p "$tmp/div/summary.csv")"
grep -q '^2,fine,.*,ok,.*,1,runs/02-fine.csv,' "$tmp/div/summary.csv" && ok || bad "surviving run not selected"
[ "$(grep -c ',1,runs/' "$tmp/div/summary.csv")" = 1 ] && ok || bad "a diverged grid point selected"
grep -q "boom (diverged at [0-9]*; no winner)" "$tmp/div/plot.gp" && ok || bad "plot does not say 'no winner': $(grep boom "$tmp/div/plot.gp")"
grep -q "grid boom \[lr=.*\] (diverged at [0-9]*; no winner)" "$tmp/div/plot.gp" && ok || bad "plot: grid with no winner"
expect_rc 0 "report of no winner" "$bin" report "$tmp/div"
grep -q -- "- boom: \*\*no winner\*\*: its run diverged at iteration" "$tmp/out" && ok || bad "report: lone run: $(grep -i winner "$tmp/out")"
grep -q -- "- grid boom: \*\*no winner\*\*: all 2 grid points diverged" "$tmp/out" && ok || bad "report: grid: $(grep -i winner "$tmp/out")"

# logx: iteration 0 is drawn at 1 and the axis says so (defect 5).
expect_rc 0 "logx run" "$bin" run "$src/configs/quickstart.json" -o "$tmp/logx" --quiet --iterations 20
grep -qF 'using ($1 < 1 ? 1 : $1):2' "$tmp/logx/plot.gp" && ok || bad "logx: iteration 0 not drawn at 1"
grep -q "iteration 0 drawn at 1" "$tmp/logx/plot.gp" && ok || bad "logx: the axis does not say so"
# Missing batch files are a warning --quiet does not hide (defect 6).
sed "s|\"dir\": \"../data/gas-drift\"|\"dir\": \"$src/data/gas-drift\"|" "$src/configs/fig2_l4.json" > "$tmp/gas.json"
expect_rc 0 "gas data, quiet" "$bin" run "$tmp/gas.json" -o "$tmp/gasq" --quiet --iterations 2 --no-plot
grep -q "warning: data: 2 of 10 batch files not found, using the rest: batch7.dat batch10.dat" "$tmp/err" &&
	ok || bad "--quiet hid the missing batches: '$(cat "$tmp/err")'"
# --init-from DIR without the run: the message names the run and what DIR has (defect 7).
sed 's/"label": "gd"/"label": "other"/' "$tmp/toy.json" > "$tmp/toy_other.json"
expect_rc 2 "init-from without the run" "$bin" run "$tmp/toy_other.json" -o "$tmp/toy5" --quiet --init-from "$tmp/toy"
grep -q "run 'other' is not in '$tmp/toy' (it has: 'gd'" "$tmp/err" && ok || bad "init-from message: $(cat "$tmp/err")"
[ -e "$tmp/toy5" ] && bad "init-from refusal wrote output" || ok
# report: a neutral title, and no link to a plot that was not drawn (defect 8).
expect_rc 0 "report of a --no-plot run" "$bin" report "$tmp/toy2"
head -n 1 "$tmp/out" | grep -qx "# overparam report" && ok || bad "report title: $(head -n 1 "$tmp/out")"
grep -q "loss.png" "$tmp/out" && bad "report links a plot that does not exist" || ok
grep -qF "(no plot: \`overparam plot $tmp/toy2\` draws it)" "$tmp/out" && ok || bad "report does not say there is no plot"

# Diagnostics stay under 10% of the training (defect 4): the Eq. 7
# imbalance (sum_j n_j^2 (n_{j-1} + n_{j+1}) flops) is logged only at
# multiples of the period P the README states, recomputed here from the
# shapes; a small network logs it at every row.
cat > "$tmp/wide.json" <<'JSON'
{
  "name": "wide",
  "data": {"source": "synthetic", "m": 200, "d": 16, "noise": 0.1},
  "loss": {"p": 4},
  "train": {"iterations": 1200, "log_every": 1},
  "runs": [
    {"label": "wide", "model": {"depth": 3, "width": 300}, "optimizer": {"lr": 1e-4}},
    {"label": "narrow", "model": {"depth": 3, "width": 4}, "optimizer": {"lr": 1e-4}}
  ]
}
JSON
expect_rc 0 "wide run" "$bin" run "$tmp/wide.json" -o "$tmp/wide" --quiet --no-plot
P=$(awk 'BEGIN { m = 200; d = 16; h = 300; k = 1; K = 1
	imb = h * h * (d + h) + h * h * (h + k); chain = h * d + h * h + k * h
	budget = 0.1 * K * (2 * m * d * k + 6 * k * chain)
	p = imb / budget; P = (p == int(p) ? p : int(p) + 1) * K; print P }')
awk -F, -v P="$P" -v T=1200 'NR > 1 { want = ($1 % P == 0 && T - $1 >= P); got = ($4 != "nan")
	if (want != got) { print "iteration " $1 ": imbalance " $4 ", period " P; bad = 1 } }
	END { exit bad }' "$tmp/wide/runs/01-wide.csv" && ok || bad "wide: imbalance rows do not follow the period $P"
[ "$(awk -F, 'NR > 1 && $4 != "nan"' "$tmp/wide/runs/01-wide.csv" | wc -l)" -ge 1 ] && ok || bad "wide: no imbalance row at all (P = $P)"
awk -F, 'NR > 1 && $4 == "nan" { bad = 1 } END { exit bad }' "$tmp/wide/runs/02-narrow.csv" && ok || bad "narrow: imbalance missing"
# A second Ctrl-C stops at once; what is on disk stays resumable.
OVERPARAM_TEST_RAISE=INT2@4096 "$bin" run "$tmp/long.json" -o "$tmp/twice" --quiet --no-plot 2> "$tmp/err"
[ $? = 1 ] && grep -q "second interrupt: stopping now" "$tmp/err" && ok || bad "second interrupt: exit $?, $(cat "$tmp/err")"
grep -q '^2,long,.*,interrupted,' "$tmp/twice/summary.csv" && ok || bad "second interrupt: summary not resumable"
ls "$tmp/twice" | grep -q '\.tmp\.' && bad "second interrupt: a temporary file in place of a result" || ok
# Sizes that cannot fit in memory are refused up front with the bytes needed.
sed 's/"width": 300/"width": 100000/; s/"d": 16/"d": 128/' "$tmp/wide.json" > "$tmp/huge.json"
expect_rc 2 "too big for memory" "$bin" run "$tmp/huge.json" -o "$tmp/huge" --quiet
grep -q "run 'wide' needs about [0-9.]* GiB (weights, gradient, optimizer state, workspace), this machine has" "$tmp/err" && ok || bad "memory refusal: $(cat "$tmp/err")"
[ -e "$tmp/huge" ] && bad "memory refusal wrote output" || ok

# --set KEY=VALUE (feature 9): the same runs as the edited file, validated
# with the same messages, kept as config.json; errors name the --set.
sed 's/"lr": 0.5/"lr": 0.25/; s/"iterations": 10,/"iterations": 8,/' "$tmp/toy.json" > "$tmp/toy_edited.json"
expect_rc 0 "--set" "$bin" run "$tmp/toy.json" -o "$tmp/set" --quiet --no-plot --set 'runs[0].optimizer.lr=0.25' --set train.iterations=8
expect_rc 0 "edited file" "$bin" run "$tmp/toy_edited.json" -o "$tmp/setref" --quiet --no-plot
cmp -s "$tmp/set/runs/01-gd.csv" "$tmp/setref/runs/01-gd.csv" && cmp -s "$tmp/set/summary.csv" "$tmp/setref/summary.csv" &&
	ok || bad "--set differs from the edited file"
grep -q '"lr":[[:space:]]*0.25' "$tmp/set/config.json" && ok || bad "--set: config.json is not the resolved config"
expect_rc 0 "rerun from the directory's config.json" "$bin" run "$tmp/set/config.json" -o "$tmp/set2" --quiet --no-plot
cmp -s "$tmp/set/runs/01-gd.csv" "$tmp/set2/runs/01-gd.csv" && ok || bad "config.json does not redo the run"
expect_rc 0 "--set a grid" "$bin" run "$tmp/toy.json" -o "$tmp/setgrid" --quiet --no-plot --set 'defaults.optimizer.lr=[0.1,0.2]' --set 'runs[0].optimizer={}'
[ "$(grep -c 'gd \[lr=' "$tmp/setgrid/summary.csv")" = 2 ] && ok || bad "--set grid: $(cut -d, -f2 "$tmp/setgrid/summary.csv")"
expect_rc 0 "--continue with the same --set" "$bin" run "$tmp/toy.json" -o "$tmp/set" --quiet --continue --set 'runs[0].optimizer.lr=0.25' --set train.iterations=8
expect_rc 2 "--continue with another --set" "$bin" run "$tmp/toy.json" -o "$tmp/set" --quiet --continue --set 'runs[0].optimizer.lr=0.3'
grep -q "differs from the config it was started with" "$tmp/err" && ok || bad "--set continue: $(cat "$tmp/err")"
while IFS='|' read -r set msg; do
	expect_rc 2 "--set $set" "$bin" run "$tmp/toy.json" -o "$tmp/setbad" --quiet --set "$set"
	grep -qF -- "$msg" "$tmp/err" && ok || bad "--set $set: '$(cat "$tmp/err")' lacks '$msg'"
	[ -e "$tmp/setbad" ] && bad "--set $set wrote output" || ok
done <<'EOF'
runs[3].optimizer.lr=1|--set runs[3].optimizer.lr: 'runs' has 1 entries
runs.x=1|--set runs.x: 'runs' is not an object
name.x=1|--set name.x: 'name' is not an object
runs[0].optimizer.lr=-1|toy.json: runs[0].optimizer.lr: must be > 0, got -1
train.bogus=1|toy.json: train.bogus: unknown key
lr|--set 'lr': expected KEY=VALUE
EOF

# A winner at the edge of its grid is flagged in the run output, the
# summary and the report, and the report shows final loss per learning
# rate (feature 12). On the toy problem GD converges faster with larger
# rates up to 2 (the closed form above), so the largest of 0.1, 0.2 wins;
# in 0.5, 1, 3 (3 diverges) the winner 1 is inside.
cat > "$tmp/edge.json" <<'JSON'
{
  "name": "edge",
  "data": {"source": "inline", "x": [[1, 0], [0, 1]], "y": [3, 0.5], "preprocess": "none"},
  "loss": {"p": 2},
  "train": {"iterations": 10, "log_every": 5},
  "runs": [{"label": "low", "model": {"depth": 1}, "init": {"std": 0}, "optimizer": {"lr": [0.1, 0.2]}},
           {"label": "wide", "model": {"depth": 1}, "init": {"std": 0}, "optimizer": {"lr": [0.5, 1, 5]}}]
}
JSON
expect_rc 0 "grid edge run" "$bin" run "$tmp/edge.json" -o "$tmp/edge"
grep -q "warning: 'low': the winner lr=0.2 is at the edge of its grid (lr=largest): extend the grid" "$tmp/err" && ok || bad "edge: no warning: $(cat "$tmp/err")"
grep -q "'wide'.*edge" "$tmp/err" && bad "edge: warning for a winner inside its grid" || ok
grep -q '^2,low \[lr=0.2\],.*,1,runs/02-low-lr-0-2.csv,lr=largest,1$' "$tmp/edge/summary.csv" && ok || bad "edge: summary: $(cat "$tmp/edge/summary.csv")"
grep -q ',1,runs/04-wide-lr-1.csv,,1$' "$tmp/edge/summary.csv" && ok || bad "edge: inside winner flagged"
[ -s "$tmp/edge/lr.png" ] && grep -q "set output 'lr.png'" "$tmp/edge/plot.gp" && ok || bad "edge: no lr.png"
expect_rc 0 "report of an edge" "$bin" report "$tmp/edge"
grep -q -- "- low: winner lr=0.2: the largest lr tried" "$tmp/out" && ok || bad "edge: report: $(grep -A3 edge "$tmp/out")"
grep -q "(.*lr.png)" "$tmp/out" && ok || bad "edge: report lacks the loss-per-rate plot"

# Vector plots and panels (feature 13): plot.format svg or pdf; one figure
# with a panel per run directory.
expect_rc 0 "svg run" "$bin" run "$tmp/toy.json" -o "$tmp/svg" --quiet --set plot.format=svg
head -c 200 "$tmp/svg/loss.svg" | grep -q "<svg" && ok || bad "plot.format svg: no loss.svg"
[ -e "$tmp/svg/loss.png" ] && bad "plot.format svg also wrote a png" || ok
expect_rc 0 "report of an svg run" "$bin" report "$tmp/svg"
grep -q "(.*/loss.svg)" "$tmp/out" && ok || bad "report does not link loss.svg"
expect_rc 2 "bad plot.format" "$bin" run "$tmp/toy.json" -o "$tmp/bmp" --quiet --set plot.format=bmp
grep -q "plot.format: must be png, svg or pdf, got 'bmp'" "$tmp/err" && ok || bad "plot.format message: $(cat "$tmp/err")"
expect_rc 0 "two panels" "$bin" plot "$tmp/toy" "$tmp/svg" -o "$tmp/panels.pdf"
head -c 4 "$tmp/panels.pdf" | grep -q "%PDF" && ok || bad "panels: no pdf"
grep -q "set multiplot layout 1,2" "$tmp/panels.pdf.gp" && ok || bad "panels: layout"
[ "$(grep -c "^plot " "$tmp/panels.pdf.gp")" = 2 ] && ok || bad "panels: not one plot per directory"
expect_rc 0 "panels in a column" "$bin" plot "$tmp/toy" "$tmp/svg" -o "$tmp/col.png" --layout 2x1
grep -q "set multiplot layout 2,1" "$tmp/col.png.gp" && [ -s "$tmp/col.png" ] && ok || bad "panels: --layout 2x1"
expect_rc 2 "panels: unknown format" "$bin" plot "$tmp/toy" "$tmp/svg" -o "$tmp/fig.gif"
expect_rc 2 "panels: no room" "$bin" plot "$tmp/toy" "$tmp/svg" -o "$tmp/fig.png" --layout 1x1
expect_rc 2 "panels without -o" "$bin" plot "$tmp/toy" "$tmp/svg"

# A log grid {"from", "to", "per_decade"} is the same list for every model
# (issue 11): 10^(k/4) from 1e-4 to 100, rounded to 6 digits; the report
# gives each winner's distance to the smallest rate that diverged.
cat > "$tmp/loggrid.json" <<'JSON'
{
  "name": "loggrid",
  "data": {"source": "synthetic", "m": 100, "d": 8, "noise": 0.1},
  "loss": {"p": 2},
  "train": {"iterations": 200, "log_every": 50},
  "defaults": {"optimizer": {"lr": {"from": 1e-4, "to": 100, "per_decade": 4}}},
  "runs": [{"label": "a", "model": {"depth": 1}}, {"label": "b", "model": {"depth": 2, "width": 3}}]
}
JSON
expect_rc 0 "log grid" "$bin" run "$tmp/loggrid.json" -o "$tmp/loggrid" --quiet --no-plot
want="0.0001 0.000177828 0.000316228 0.000562341 0.001 0.00177828 0.00316228 0.00562341 0.01 0.0177828 0.0316228 0.0562341 0.1 0.177828 0.316228 0.562341 1 1.77828 3.16228 5.62341 10 17.7828 31.6228 56.2341 100"
for g in a b; do
	got=$(grep "^[0-9]*,$g \[" "$tmp/loggrid/summary.csv" | sed 's/.*\[lr=\([^]]*\)\].*/\1/' | tr '\n' ' ')
	[ "$got" = "$want " ] && ok || bad "log grid of $g: $got"
done
expect_rc 0 "report of the log grid" "$bin" report "$tmp/loggrid"
grep -Eq -- "- a: winner lr=[0-9.e-]+; the smallest rate that diverged is [0-9.e-]+ \([0-9.e+]+x the winner's\)" "$tmp/out" &&
	ok || bad "report: no stability margin: $(grep -A3 Stability "$tmp/out")"

# "replicates": S repeats every run with init seeds seed + r, selects per
# replicate, and judges each claim over the replicates (issue 11).
# Replicate 2 is the run with init seed 2, byte for byte.
cat > "$tmp/rep.json" <<'JSON'
{
  "name": "rep",
  "data": {"source": "synthetic", "m": 200, "d": 16, "noise": 0.1},
  "loss": {"p": 4},
  "replicates": 3,
  "train": {"iterations": 1500, "log_every": 100},
  "defaults": {"init": {"scheme": "balanced", "std": 0.05}},
  "runs": [
    {"label": "depth 1", "model": {"depth": 1}, "optimizer": {"lr": [0.01, 0.1]}},
    {"label": "depth 3", "model": {"depth": 3, "width": 4}, "optimizer": {"lr": [0.01, 0.1]}}
  ],
  "claims": [{"text": "depth 3 faster", "a": "depth 3", "b": "depth 1", "expect": "faster"}]
}
JSON
expect_rc 0 "replicates" "$bin" run "$tmp/rep.json" -o "$tmp/rep" --quiet
[ "$(awk -F, 'NR > 1' "$tmp/rep/summary.csv" | wc -l)" = 12 ] && ok || bad "replicates: not 12 runs"
[ "$(awk -F, 'NR > 1 && $22 == 1 { n[$2 ~ /depth 1/ ? 1 : 3]++ } END { print n[1] "," n[3] }' "$tmp/rep/summary.csv")" = "3,3" ] &&
	ok || bad "replicates: not one winner per group and replicate"
grep -q '^7,"\?depth 3 \[lr=0.01\] #1"\?,.*,1,1500,' "$tmp/rep/summary.csv" && grep -q '^9,"\?depth 3 \[lr=0.01\] #2"\?,.*,2,1500,' "$tmp/rep/summary.csv" &&
	ok || bad "replicates: labels or seeds: $(cut -d, -f1,2,13 "$tmp/rep/summary.csv")"
sed '/"replicates": 3,/d' "$tmp/rep.json" > "$tmp/rep2.json"
expect_rc 0 "seed 2 alone" "$bin" run "$tmp/rep2.json" -o "$tmp/rep2" --quiet --no-plot --set defaults.init.seed=2
cmp -s "$tmp/rep/runs/10-depth-3-lr-0-1-2.csv" "$tmp/rep2/runs/04-depth-3-lr-0-1.csv" && ok || bad "replicate 2 is not the run with seed 2"
expect_rc 0 "report over replicates" "$bin" report "$tmp/rep"
grep -Eq "depth 3 faster: holds in [0-3]/3 replicates, speed-up [0-9.]+x-[0-9.]+x" "$tmp/out" && ok || bad "report: $(grep 'depth 3 faster' "$tmp/out")"
grep -q "seed replicate 1 of 3" "$tmp/rep/plot.gp" && ok || bad "plot does not say which replicate it shows"

finish test_cli
