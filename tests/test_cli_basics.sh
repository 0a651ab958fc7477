#!/usr/bin/env bash
# Command-line basics: help and usage errors, a tiny inline run against its
# closed form, byte-identical reruns and thread counts, grid selection where
# the winner is known, batching, output-directory safety, gnuplot missing,
# `plot`, and a short Figure 2 run whose Eq. 12 runs track their networks.
# usage: test_cli_basics.sh OVERPARAM_BINARY SOURCE_DIR
. "$(dirname "$0")/cli_fixtures.sh"

expect_rc 0 "--help" "$bin" --help
grep -q "^usage: overparam run CONFIG" "$tmp/out" && ok || bad "--help prints usage"
grep -q "exit codes" "$tmp/out" && ok || bad "--help lists exit codes"
expect_rc 0 "--version" "$bin" --version
grep -Eq "^overparam [0-9]+\.[0-9]+\.[0-9]+$" "$tmp/out" && ok || bad "--version format"
# Per-command help on stdout, exit 0; a usage error is one line and a
# pointer to that help (feature 10). --version names the libraries.
full=$("$bin" --help | wc -l)
for c in run merge plot report compare ls export check keys bench; do
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
# One option parser for every command (args.c): each problem in one line
# naming the option, then the command's help hint; exit 2.
usage_case() { # LABEL MESSAGE ARGS...
	local label=$1 want=$2
	shift 2
	expect_rc 2 "$label" "$bin" "$@"
	[ "$(wc -l < "$tmp/err")" = 2 ] && grep -qF "overparam: error: $want" "$tmp/err" &&
		grep -q "^try 'overparam $1 --help'$" "$tmp/err" && ok || bad "$label: $(cat "$tmp/err")"
}
# bench: the read, the FMA peak and every row timed in each repetition,
# each figure with its spread; --plot draws the roofline (structure only:
# no timing is expected of this machine).
expect_rc 0 "bench --plot" "$bin" bench 20 --plot "$tmp/roof.png"
grep -Eq "^FMA peak \(12 independent chains of 8-lane fmas, one core\): [0-9.]+ GFLOP/s \(spread [0-9]+%\)$" "$tmp/out" &&
	grep -Eq "^streaming read of X .* GB/s \(spread [0-9]+%\)$" "$tmp/out" && ok || bad "bench header: $(head -n 4 "$tmp/out")"
[ "$(grep -cE '^[13] +(1|100) +l' "$tmp/out")" = 22 ] && ok || bad "bench rows: $(grep -cE '^[13] ' "$tmp/out")"
# every row's params (its time outside the data pass) is a time; the L2
# line is there
awk '/^[13] +(1|100) +l/ { n = ($4 == "data" || $4 == "gram") ? 1 : 0;
	if ($(8 + n) !~ /^[0-9]+\.[0-9][0-9]$/) bad++ } END { exit bad > 0 }' "$tmp/out" && ok ||
	bad "bench: a params figure that is not a time"
grep -Eq "^the depth-1 l4 step with X in L2 \(m = 512, .*\): [0-9.]+ us \(spread [0-9]+%\)" "$tmp/out" && ok ||
	bad "bench: no L2 line"
grep -Eq "^both \(train splits layers of 65536 entries and up, with the cores near\): [0-9]+\.[0-9][0-9] us$" "$tmp/out" &&
	grep -Eq "^\(spread [0-9]+%\), params [0-9]+\.[0-9][0-9]$" "$tmp/out" && ok ||
	bad "bench: no line for the split layers: $(tail -n 3 "$tmp/out")"
grep -Eq "^a cache line's round trip between the two threads: ([0-9]+ ns|no answer) to ([0-9]+ ns|no answer) \(under 250 ns the$" "$tmp/out" && ok ||
	bad "bench: no round-trip line: $(grep 'round trip' "$tmp/out")"
[ -s "$tmp/roof.png" ] && grep -q "roof(x) = " "$tmp/roof.png.gp" && ok || bad "bench --plot: no roofline"
expect_rc 2 "bench convnet --plot" "$bin" bench convnet 2 --plot "$tmp/x.png"
expect_rc 2 "help for no such command" "$bin" help nosuch
grep -q "no command 'nosuch' to help with" "$tmp/err" && ok || bad "help nosuch: $(cat "$tmp/err")"
# slurm-sweep.sh: --help is help, and a refused call leaves no OUTDIR
# (here: sbatch missing, on a PATH that holds only what the script needs).
expect_rc 0 "slurm-sweep --help" bash "$src/scripts/slurm-sweep.sh" --help x
grep -q "^usage: slurm-sweep.sh" "$tmp/out" && ok || bad "slurm-sweep --help: $(cat "$tmp/out" "$tmp/err")"
mkdir -p "$tmp/path"
for t in dirname basename mkdir cat; do ln -sf "$(command -v $t)" "$tmp/path/$t"; done
expect_rc 2 "slurm-sweep without sbatch" env PATH="$tmp/path" "$(command -v bash)" \
	"$src/scripts/slurm-sweep.sh" "$src/configs/quickstart.json" "$tmp/sweep"
grep -q "sbatch not found" "$tmp/err" && [ ! -e "$tmp/sweep" ] && ok || bad "slurm-sweep without sbatch left '$tmp/sweep' or said: $(cat "$tmp/err")"
usage_case "a value missing" "'--iterations' needs a value: --iterations N" run x.json --iterations
usage_case "an integer out of range" "--threads needs an integer 1..256, got '0'" run x.json --threads 0
usage_case "not an integer" "--iterations needs an integer 1..1000000000, got '5e4'" run x.json --iterations 5e4
usage_case "seconds out of range" "--checkpoint-every needs a number -1..1e+09, got '-2'" run x.json --checkpoint-every -2
usage_case "a bad shard" "--shard needs i/n with 1 <= i <= n <= 100000, got '3/2'" run x.json --shard 3/2
usage_case "two configs" "unexpected argument 'y.json'" run x.json y.json
usage_case "a negative tolerance" "--rtol needs a number >= 0, got '-1'" compare a b --rtol -1
usage_case "a NaN tolerance" "--atol needs a number >= 0, got 'nan'" compare a b --atol nan
usage_case "a third path" "unexpected argument 'c'" compare a b c
usage_case "a bad layout" "--layout needs ROWSxCOLS (1..20 each), got '2x2x'" plot a --layout 2x2x
usage_case "report -o without a file" "'-o' needs a value: -o FILE" report d -o
usage_case "merge's unknown option" "unknown option '--force'" merge a -o b --force


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
	-e 's|"iterations": 20000,|"iterations": 3000,|' -e 's|"log_every": 50|"log_every": 100|' \
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
# --force replaces a run directory only (the convnet's rule too, outdir.c)
mkdir -p "$tmp/mine" && echo keep > "$tmp/mine/thesis.tex"
expect_rc 2 "--force on a directory that holds no run" "$bin" run "$tmp/toy.json" -o "$tmp/mine" --quiet --force
grep -q "holds no run (no config.json): not replacing it" "$tmp/err" && ok || bad "--force non-run message: $(cat "$tmp/err")"
[ "$(cat "$tmp/mine/thesis.tex")" = keep ] && [ "$(ls "$tmp/mine")" = thesis.tex ] && ok || bad "--force touched a directory that holds no run"

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
		END { printf "fig2 l4 runs %s: max relative loss gap %.2e over %d rows\n", p, worst, NR - 1
		      exit NR != 32 || worst > 5e-3 }' &&
		ok || bad "fig2: runs $pair are not 31 rows that agree within 5e-3"
done
# The depth-3 run learns: 2.047 at iteration 0, 0.430 at 3000 (measured).
awk -F, 'NR == 2 { first = $2 } END { exit !($1 == 3000 && $2 < first / 2) }' "$runs/04-"*.csv &&
	ok || bad "fig2: depth-3 loss did not fall to half its start by iteration 3000"


finish test_cli_basics
