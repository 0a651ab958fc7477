#!/usr/bin/env bash
# What a run directory says: a diverged run never wins, logx, missing batch
# files, the report's title, the diagnostics' period, memory refusals,
# winners at a grid's edge, vector plots and panels, log grids and
# replicates.
# usage: test_cli_results.sh OVERPARAM_BINARY SOURCE_DIR
. "$(dirname "$0")/cli_fixtures.sh"

toy_run
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
# report -o: image links work from the report's directory (before: relative
# to the working directory); on stdout they stay relative to it.
mkdir -p "$tmp/links/sub"
expect_rc 0 "report -o into a subdirectory" env -C "$tmp/links" "$bin" report ../logx -o sub/report.md
link=$(sed -n 's/^!\[.*\](\(.*\))$/\1/p' "$tmp/links/sub/report.md" | head -n 1)
[ "$link" = "../../logx/loss.png" ] && [ -f "$tmp/links/sub/$link" ] && ok || bad "report -o: image link '$link' from $tmp/links/sub"
expect_rc 0 "report on stdout" env -C "$tmp/links" "$bin" report ../logx
grep -qxF '![quickstart: Section 7 toy problem, l4, best learning rate per model](../logx/loss.png)' "$tmp/out" && ok ||
	bad "report on stdout: $(grep '^!' "$tmp/out")"
# Missing batch files are a warning --quiet does not hide (defect 6).
sed "s|\"dir\": \"../data/gas-drift\"|\"dir\": \"$src/data/gas-drift\"|" "$src/configs/fig2_l4.json" > "$tmp/gas.json"
expect_rc 0 "gas data, quiet" "$bin" run "$tmp/gas.json" -o "$tmp/gasq" --quiet --iterations 2 --no-plot
grep -q "warning: data: 2 of 10 batch files not found, using the rest: batch7.dat batch10.dat" "$tmp/err" &&
	ok || bad "--quiet hid the missing batches: '$(cat "$tmp/err")'"
# A run directory's config.json redoes the run (its data dir is relative to
# configs/, not to the run directory), from another working directory and
# after the run directory moved; one made before config_dir was recorded
# resolves against its absolute config_file.
expect_rc 0 "redo: first" "$bin" run "$src/configs/fig2_l4.json" -o "$tmp/redo1" --quiet --iterations 20 --no-plot
mkdir -p "$tmp/elsewhere" && mv "$tmp/redo1" "$tmp/elsewhere/moved"
expect_rc 0 "redo: from the copy" env -C "$tmp" "$bin" run elsewhere/moved/config.json -o redo2 --quiet --iterations 20 --no-plot
for f in "$tmp"/elsewhere/moved/runs/*.csv; do
	cmp -s "$f" "$tmp/redo2/runs/$(basename "$f")" || bad "redo: $(basename "$f") differs from the first run's"
done
ok
m="$tmp/elsewhere/moved/metadata.json"
grep -v '"config_dir"' "$m" > "$tmp/meta" && mv "$tmp/meta" "$m"
expect_rc 0 "redo: a copy without config_dir" "$bin" run "$tmp/elsewhere/moved/config.json" -o "$tmp/redo3" --quiet --iterations 20 --no-plot
cmp -s "$tmp/redo2/runs/01-depth-2-width-1.csv" "$tmp/redo3/runs/01-depth-2-width-1.csv" && ok || bad "redo without config_dir differs"
expect_rc 0 "toy rerun" "$bin" run "$tmp/toy.json" -o "$tmp/toy2" --quiet --no-plot
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
# Sizes that cannot fit in memory are refused up front with the bytes needed.
sed 's/"width": 300/"width": 100000/; s/"d": 16/"d": 128/' "$tmp/wide.json" > "$tmp/huge.json"
expect_rc 2 "too big for memory" "$bin" run "$tmp/huge.json" -o "$tmp/huge" --quiet
grep -q "run 'wide' needs about [0-9.]* GiB (weights, gradient, optimizer state, workspace), this machine has" "$tmp/err" && ok || bad "memory refusal: $(cat "$tmp/err")"
[ -e "$tmp/huge" ] && bad "memory refusal wrote output" || ok
# ... and so is a log that cannot: 10^9 iterations logged at every one
# (4 numbers a row: 30 GiB), before the directory is made.
expect_rc 2 "a log too big for memory" "$bin" run "$tmp/wide.json" -o "$tmp/hugelog" --quiet \
	--set train.iterations=1e9 --set train.log_every=1
grep -q "needs about [0-9.]* GiB" "$tmp/err" && ok || bad "log memory refusal: $(cat "$tmp/err")"
[ -e "$tmp/hugelog" ] && bad "the log memory refusal wrote output" || ok


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
# Figures: each panel 1000x750 (4:3) whatever the layout, or --size; panel
# letters; a title two panels share gets its directory; one legend below
# all panels when their legends are the same, each its own when not.
png_size() { python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24); print("%dx%d" % struct.unpack(">II", d[16:24]))' "$1"; }
expect_rc 0 "panels 2x2" "$bin" plot "$tmp/toy" "$tmp/svg" "$tmp/toy" -o "$tmp/grid.png" --layout 2x2
[ "$(png_size "$tmp/grid.png")" = 2000x1500 ] && ok || bad "2x2 figure size: $(png_size "$tmp/grid.png")"
for l in a b c; do grep -q "^set title '($l) toy" "$tmp/grid.png.gp" || bad "panel letter ($l) missing"; done
ok
grep -qF "set title '(b) toy ($tmp/svg)'" "$tmp/grid.png.gp" && grep -qF "set title '(a) toy ($tmp/toy)'" "$tmp/grid.png.gp" &&
	ok || bad "clashing titles: $(grep '^set title' "$tmp/grid.png.gp")"
[ "$(grep -c '^set key at screen' "$tmp/grid.png.gp")" = 1 ] && [ "$(grep -c '^unset key' "$tmp/grid.png.gp")" = 2 ] &&
	grep -q "^set multiplot layout 2,2 margins" "$tmp/grid.png.gp" && ok || bad "shared legend: $(grep -E 'key|multiplot' "$tmp/grid.png.gp")"
expect_rc 0 "--size" "$bin" plot "$tmp/toy" "$tmp/svg" -o "$tmp/sized.png" --size 900x400
[ "$(png_size "$tmp/sized.png")" = 900x400 ] && ok || bad "--size 900x400: $(png_size "$tmp/sized.png")"
expect_rc 0 "panels with other legends" "$bin" plot "$tmp/toy" "$tmp/logx" -o "$tmp/mixed.png"
grep -q '^set key at screen' "$tmp/mixed.png.gp" && bad "a shared legend for panels whose legends differ" || ok
[ "$(grep -c '^set key below' "$tmp/mixed.png.gp")" = 2 ] && ok || bad "panels with other legends: $(grep key "$tmp/mixed.png.gp")"
expect_rc 2 "--size without -o" "$bin" plot "$tmp/toy" --size 800x600
expect_rc 2 "--size malformed" "$bin" plot "$tmp/toy" -o "$tmp/x.png" --size 800

# check saxe --curves DIR: each model's run and flow per mode, and the figure.
expect_rc 0 "check saxe --curves" "$bin" check saxe --curves "$tmp/saxe"
[ "$(ls "$tmp/saxe"/saxe_*_N*.csv | wc -l)" = 6 ] && [ -s "$tmp/saxe/saxe.png" ] && ok || bad "check saxe --curves: $(ls "$tmp/saxe")"
awk -F, 'NR > 1 { d = $3 - $4; if (d < 0) d = -d; if (d > m) m = d } END { exit !(NR > 100 && m < 0.05) }' "$tmp/saxe/saxe_deep_N3.csv" &&
	ok || bad "check saxe --curves: the run is not on its flow in saxe_deep_N3.csv"
expect_rc 2 "check saxe --curves without DIR" "$bin" check saxe --curves

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
grep -Eq "depth 3 faster: 3 replicates: [0-9] [a-z ]+(, [0-9] [a-z ]+)*; speed-up over replicates at eps [0-9.e-]+ [0-9.]+x-[0-9.]+x" "$tmp/out" && ok || bad "report: $(grep 'depth 3 faster' "$tmp/out")"
# The plot shows each group's median over the replicates and its min-max
# band: the datablock's row at iteration 700 against the three winners'
# CSVs, recomputed here (awk: min, middle, max of the three losses).
grep -q "3 replicates: median and min-max band" "$tmp/rep/plot.gp" && ok || bad "plot does not say it shows bands"
want=$(for r in 1 2 3; do
	csv=$(awk -F, -v r="$r" 'NR > 1 && $22 == 1 && $25 == r && $2 ~ /depth 3/ { print $23 }' "$tmp/rep/summary.csv")
	awk -F, '$1 == 700 { print $2 }' "$tmp/rep/$csv"
done | sort -g | tr '\n' ' ' | awk '{ print $1 "," $2 "," $3 }')
got=$(awk '/^\$band_0_1 << EOD/ { on = 1; next } /^EOD/ { on = 0 } on && /^700,/' "$tmp/rep/plot.gp" | cut -d, -f2-)
[ -n "$want" ] && [ "$(echo "$got" | awk -F, '{ printf "%.12g,%.12g,%.12g", $1, $2, $3 }')" = "$(echo "$want" | awk -F, '{ printf "%.12g,%.12g,%.12g", $1, $2, $3 }')" ] &&
	ok || bad "band of depth 3 at 700: got '$got', want '$want'"
grep -q "l_p floor of the data (replicate 1)" "$tmp/rep/plot.gp" && ok || bad "plot has no floor line"

# "replicate_over": "batches": replicate r trains on the data without its
# r-th batch file (same init seed), byte for byte the run of a config whose
# data.batches lists the others (issue 11's data subsets).
cat > "$tmp/rb.json" <<JSON
{"name": "rb", "replicates": 2, "replicate_over": "batches",
 "data": {"source": "gas_drift", "dir": "$src/data/gas-drift", "batches": "all"},
 "loss": {"p": 4}, "train": {"iterations": 100, "log_every": 50},
 "defaults": {"init": {"scheme": "balanced", "std": 0.0001}},
 "runs": [{"label": "d1", "model": {"depth": 1}, "optimizer": {"lr": 0.001}},
          {"label": "d2", "model": {"depth": 2, "width": 1}, "optimizer": {"lr": 0.001}}],
 "claims": [{"text": "d2 faster", "a": "d2", "b": "d1", "expect": "faster"}]}
JSON
expect_rc 0 "replicates over batches" "$bin" run "$tmp/rb.json" -o "$tmp/rb" --no-plot
grep -q "replicate 2: the data without batch2.dat" "$tmp/err" && ok || bad "rb: no per-replicate data line: $(cat "$tmp/err")"
grep -q "warning: data: 2 of 9 batch files not found, using the rest: batch7.dat batch10.dat" "$tmp/err" &&
	ok || bad "rb: the missing batch files are not reported: $(cat "$tmp/err")"
present=$(cd "$src/data/gas-drift" && ls batch*.dat | sed 's/batch\([0-9]*\)\.dat/\1/' | sort -n | sed 1,2d | tr '\n' ',')
expect_rc 0 "the subset alone" "$bin" run "$tmp/rb.json" -o "$tmp/rb_alone" --quiet --no-plot \
	--set replicates=1 --set 'replicate_over="seeds"' --set "data.batches=[1,${present%,}]"
cmp -s "$tmp/rb/runs/02-d1-2.csv" "$tmp/rb_alone/runs/01-d1.csv" && cmp -s "$tmp/rb/runs/04-d2-2.csv" "$tmp/rb_alone/runs/02-d2.csv" &&
	ok || bad "replicate 2 is not the run without batch 2"
cmp -s "$tmp/rb/runs/01-d1-1.csv" "$tmp/rb/runs/02-d1-2.csv" && bad "replicates over batches ran on the same data" || ok
tr -d ' \t\n' < "$tmp/rb/metadata.json" | grep -q '"replicate_over":"batches","replicate_data":\[{"replicate":1,"left_out_batch":1,"loss_floor":[0-9.e-]*},{"replicate":2,"left_out_batch":2,"loss_floor":[0-9.e-]*}\]' &&
	ok || bad "rb: metadata does not say which batch each replicate left out"
expect_rc 0 "report over data subsets" "$bin" report "$tmp/rb"
grep -Eq "d2 faster: 2 replicates: [0-9] [a-z ]+" "$tmp/out" && ok || bad "rb report: $(grep 'd2 faster' "$tmp/out")"
# The report says what the figure ran on; the reference counts the ethanol
# rows ("1;" lines) of the batch files replicate 1 kept, and names the absent.
m1=$(cd "$src/data/gas-drift" && ls batch*.dat | grep -vx batch1.dat | xargs cat | grep -c '^1;')
absent=$(for i in 2 3 4 5 6 7 8 9 10; do [ -e "$src/data/gas-drift/batch$i.dat" ] || echo "batch$i.dat"; done | paste -sd, | sed 's/,/, /g')
want="Data: gas_drift, gas ethanol, target concentration: $m1 examples, 128 features${absent:+; files not found: $absent}; replicate r leaves out batch file 1, 2 (the counts are replicate 1's)."
grep -qF "$want The lowest loss any linear model reaches on these data" "$tmp/out" && ok ||
	bad "rb report: data line '$(grep '^Data' "$tmp/out")', want '$want The lowest loss ...'"
# The l_p floor (metadata data.loss_floor; test_lpfloor checks its values)
# is positive and no replicate-1 run goes below it.
floor=$(tr -d ' \n\t' < "$tmp/rb/metadata.json" | grep -o '"loss_floor":{"value":[^,]*' | sed 's/.*://')
awk -F, -v f="$floor" 'NR > 1 && $25 == 1 { n++; if ($21 < f) low = 1 } END { exit !(f > 0 && n == 2 && !low) }' \
	"$tmp/rb/summary.csv" && ok || bad "rb: floor '$floor' is not positive or a run went below it"
expect_rc 2 "batches with synthetic data" "$bin" run "$tmp/rb.json" -o "$tmp/rb_bad" --quiet \
	--set 'data={"source": "synthetic", "m": 10, "d": 2}'
grep -q "rb.json: replicate_over: \"batches\" needs gas_drift data" "$tmp/err" && ok || bad "rb refusal: $(cat "$tmp/err")"
expect_rc 2 "batches with --shard" "$bin" run "$tmp/rb.json" -o "$tmp/rb_shard" --quiet --shard 1/2
grep -q "not with --shard" "$tmp/err" && ok || bad "rb shard refusal: $(cat "$tmp/err")"

# Figures are written under a temporary name and renamed when gnuplot
# succeeds: a gnuplot that fails leaves the old figure as it was and no
# temporary behind.
cp "$tmp/toy/loss.png" "$tmp/loss.before"
OVERPARAM_GNUPLOT=false "$bin" plot "$tmp/toy" 2> "$tmp/err"
[ $? = 1 ] && ok || bad "a failing gnuplot: not exit 1"
cmp -s "$tmp/toy/loss.png" "$tmp/loss.before" && ok || bad "a failing gnuplot changed loss.png"
ls "$tmp/toy" | grep -q '\.tmp\.' && bad "a failing gnuplot left a temporary: $(ls "$tmp/toy")" || ok
finish test_cli_results
