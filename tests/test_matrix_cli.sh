#!/usr/bin/env bash
# Deep matrix factorization from the command line (configs/dmf_ci.json):
# the metric columns and the convex baseline, converged runs, the same
# bytes on 1 and 2 threads (completion and sensing), an interrupted
# GroupRMSprop run resumed to the bytes of an uninterrupted one, a changed
# problem refused on resume, the report's verdicts, the figures, and bad
# configs refused with the key named.
# usage: test_matrix_cli.sh OVERPARAM_BINARY SOURCE_DIR
. "$(dirname "$0")/cli_fixtures.sh"

ci="$src/configs/dmf_ci.json"
expect_rc 0 "dmf_ci.json" "$bin" run "$ci" -o "$tmp/ci" --quiet --threads 1
head -n 1 "$tmp/ci/runs/03-depth-3.csv" |
	grep -qx "iteration,loss,we_norm,imbalance,test_error,eff_rank,nuclear,schatten,unobserved_max,sv1,sv2,sv3,sv4,sv5,sv6,sv7,sv8,sv9,sv10" &&
	ok || bad "metric columns: $(head -n 1 "$tmp/ci/runs/03-depth-3.csv")"
[ "$(cut -d, -f15 "$tmp/ci/summary.csv" | grep -c converged)" = 3 ] && ok || bad "stop_below: $(cut -d, -f15,16 "$tmp/ci/summary.csv")"
# the last row is the first below 1e-6, the one before it is above
awk -F, 'NR > 1 { prev = last; last = $2 } END { exit !(last <= 1e-6 && prev > 1e-6) }' "$tmp/ci/runs/02-depth-2.csv" &&
	ok || bad "converged row: $(tail -n 2 "$tmp/ci/runs/02-depth-2.csv" | cut -d, -f1,2)"
# at the start the test error is the mean square of W* (entries of mean square 1, W_e near 0)
awk -F, 'NR == 2 { exit !($5 > 0.99 && $5 < 1.01) }' "$tmp/ci/runs/01-depth-1.csv" && ok ||
	bad "test error at the start: $(sed -n 2p "$tmp/ci/runs/01-depth-1.csv" | cut -d, -f5)"
python3 - "$tmp/ci/metadata.json" <<'PY' && ok || bad "metadata: data.sha256 and nuclear_baseline"
import json, sys
d = json.load(open(sys.argv[1]))["data"]
b = d["nuclear_baseline"]
assert len(d["sha256"]) == 64 and d["observations"] == 300 and d["rank"] == 2
assert b["converged"] and b["max_violation"] < 1e-5 and 0 < b["nuclear"] and b["test_error"] < 1
PY
for f in loss.png sv.png; do [ -s "$tmp/ci/$f" ] && ok || bad "no $f"; done
expect_rc 0 "report" "$bin" report "$tmp/ci"
[ "$(grep -c '^| deep matrix completion.* | reproduced | ' "$tmp/out")" = 5 ] && ok || bad "report verdicts: $(grep '^| deep' "$tmp/out")"
grep -q "The least nuclear norm of a matrix fitting the observations" "$tmp/out" && ok || bad "report: no baseline line"

# init.scale c: identity layers c^(1/N) I give W_e = c I, |W_e|_F = c sqrt(n)
# (to rounding of the root); Gaussian layers give about that
expect_rc 0 "identity at scale 1e-3" "$bin" run "$ci" -o "$tmp/id" --quiet --no-plot --set train.iterations=1 \
	--set 'defaults.init={"scheme":"identity","scale":0.001}'
awk -F, -v w="$(awk 'BEGIN { printf "%.17g", 0.001 * sqrt(30) }')" \
	'function abs(x) { return x < 0 ? -x : x } NR == 2 { exit !(abs($3 - w) <= 1e-13 * w) }' "$tmp/id/runs/03-depth-3.csv" &&
	ok || bad "identity scale: |W_e| $(sed -n 2p "$tmp/id/runs/03-depth-3.csv" | cut -d, -f3)"
awk -F, -v w="$(awk 'BEGIN { printf "%.17g", 0.001 * sqrt(30) }')" \
	'NR == 2 { exit !($3 > w / 2 && $3 < 2 * w) }' "$tmp/ci/runs/03-depth-3.csv" &&
	ok || bad "normal scale: |W_e| $(sed -n 2p "$tmp/ci/runs/03-depth-3.csv" | cut -d, -f3)"
grep -q '"scale":.0.001,' "$tmp/ci/metadata.json" && ok || bad "init.scale not in the metadata"

# the same bytes on 2 threads, and for sensing
expect_rc 0 "dmf_ci.json, 2 threads" "$bin" run "$ci" -o "$tmp/ci2" --quiet --no-plot --threads 2
expect_rc 0 "1 vs 2 threads" "$bin" compare "$tmp/ci" "$tmp/ci2" --rtol 0 --atol 0
# a grid's points stepped side by side on 2 threads: the bytes of each alone
grid='--set defaults.init.scale=[0.001,0.01,0.1]'
expect_rc 0 "grid side by side" "$bin" run "$ci" -o "$tmp/g2" --quiet --no-plot --threads 2 $grid
expect_rc 0 "grid alone" "$bin" run "$ci" -o "$tmp/g1" --quiet --no-plot --threads 1 --no-batch $grid
expect_rc 0 "side by side = alone" "$bin" compare "$tmp/g2" "$tmp/g1" --rtol 0 --atol 0
for f in "$tmp"/g1/runs/*.csv; do
	cmp -s "$f" "$tmp/g2/runs/${f##*/}" || bad "side by side: ${f##*/} differs"
done
OVERPARAM_TEST_RAISE=INT@500:5 "$bin" run "$ci" -o "$tmp/g3" --quiet --no-plot --threads 2 $grid 2> /dev/null
[ $? = 1 ] && ok || bad "grid side by side: not interrupted"
expect_rc 0 "grid side by side, resumed" "$bin" run "$ci" -o "$tmp/g3" --quiet --no-plot --threads 2 --resume $grid
expect_rc 0 "resumed side by side = alone" "$bin" compare "$tmp/g3" "$tmp/g1" --rtol 0 --atol 0
sensing='--set data={"source":"matrix_sensing","n":12,"rank":1,"observations":100} --set train.iterations=3000'
expect_rc 0 "sensing" "$bin" run "$ci" -o "$tmp/s1" --quiet --no-plot --threads 1 $sensing
expect_rc 0 "sensing, 2 threads" "$bin" run "$ci" -o "$tmp/s2" --quiet --no-plot --threads 2 $sensing
expect_rc 0 "sensing 1 vs 2 threads" "$bin" compare "$tmp/s1" "$tmp/s2" --rtol 0 --atol 0
cmp -s "$tmp/s1/runs/03-depth-3.csv" "$tmp/s2/runs/03-depth-3.csv" && ok || bad "sensing: CSV bytes differ"

# more measurements than entries: no baseline (A A^T is singular), said so, the runs go on
expect_rc 0 "sensing, m > n^2" "$bin" run "$ci" -o "$tmp/s3" --no-plot --threads 1 \
	--set 'data={"source":"matrix_sensing","n":12,"rank":1,"observations":200}' --set train.iterations=10
grep -q "warning: .*linearly dependent.*: no nuclear-norm baseline" "$tmp/err" && ok || bad "m > n^2: $(cat "$tmp/err")"
grep -q '"skipped"' "$tmp/s3/metadata.json" && ok || bad "m > n^2: no skipped baseline in the metadata"

# interrupted at 1000 (GroupRMSprop's scalar state in the checkpoint), resumed
OVERPARAM_TEST_RAISE=INT@1000:3 "$bin" run "$ci" -o "$tmp/int" --quiet --no-plot --threads 1 2> /dev/null
[ $? = 1 ] && ok || bad "not interrupted"
grep -q "^opt_s 0x" "$tmp/int/weights/03-depth-3/checkpoint/state.txt" && ok || bad "no opt_s in the checkpoint"
expect_rc 0 "resume" "$bin" run "$ci" -o "$tmp/int" --quiet --no-plot --threads 1 --resume
cmp -s "$tmp/ci/runs/03-depth-3.csv" "$tmp/int/runs/03-depth-3.csv" && ok || bad "resumed CSV differs"
cmp -s "$tmp/ci/summary.csv" "$tmp/int/summary.csv" && ok || bad "resumed summary differs"
# a problem other than the one the runs started on is refused: the same
# config, the generated problem's digest as recorded changed
OVERPARAM_TEST_RAISE=INT@1000:3 "$bin" run "$ci" -o "$tmp/chg" --quiet --no-plot --threads 1 2> /dev/null
python3 - "$tmp/chg/metadata.json" <<'PY'
import json, sys
p = sys.argv[1]
m = json.load(open(p))
m["data"]["sha256"] = "0" * 64
json.dump(m, open(p, "w"))
PY
expect_rc 2 "resume, problem changed" "$bin" run "$ci" -o "$tmp/chg" --quiet --no-plot --resume
grep -q "matrix problem .* is not the one it was started on" "$tmp/err" && ok || bad "changed problem: $(cat "$tmp/err")"

# Eq. 10's end-to-end update on the same problem tracks the depth-2
# network from a balanced start under GD (the paper's Claim 1 on W_e)
expect_rc 0 "e2e on completion" "$bin" run "$ci" -o "$tmp/e2e" --quiet --no-plot --set train.iterations=3000 \
	--set 'defaults={"init":{"scheme":"balanced","scale":0.1},"optimizer":{"name":"gd","lr":0.05}}' \
	--set 'runs=[{"label":"depth 2","model":{"depth":2,"width":30}},{"label":"Eq. 10","model":{"type":"e2e","depth":2,"width":30}}]' \
	--set 'claims=[{"text":"Eq. 10 tracks depth 2","a":"Eq. 10","b":"depth 2","expect":"tracks"}]'
expect_rc 0 "report e2e" "$bin" report "$tmp/e2e"
grep -q '| Eq. 10 tracks depth 2 | reproduced |' "$tmp/out" && ok || bad "e2e tracks: $(grep 'tracks depth' "$tmp/out" | head -1)"

# two shards merged: the bytes of one run
expect_rc 0 "shard 1/2" "$bin" run "$ci" -o "$tmp/sh1" --quiet --no-plot --shard 1/2 --threads 1
expect_rc 0 "shard 2/2" "$bin" run "$ci" -o "$tmp/sh2" --quiet --no-plot --shard 2/2 --threads 1
expect_rc 0 "merge" "$bin" merge "$tmp/sh1" "$tmp/sh2" -o "$tmp/merged" --quiet --no-plot
expect_rc 0 "merged = one run" "$bin" compare "$tmp/ci" "$tmp/merged" --rtol 0 --atol 0
cmp -s "$tmp/ci/summary.csv" "$tmp/merged/summary.csv" && ok || bad "merged summary differs"

# Razin & Cohen's 2 x 2 (entries given): the unobserved entry grows at depth
# 3 and not at depth 1 (its gradient there is zero), the nuclear-norm
# baseline is the closed form 2
rc="$src/configs/dmf_razin_cohen.json"
expect_rc 0 "razin_cohen" "$bin" run "$rc" -o "$tmp/rc" --quiet --no-plot
expect_rc 0 "report razin_cohen" "$bin" report "$tmp/rc"
[ "$(grep -c '^| Razin.* | reproduced | ' "$tmp/out")" = 2 ] && ok || bad "razin_cohen verdicts: $(grep '^| Razin' "$tmp/out")"
grep -q "The least nuclear norm of a matrix fitting the observations (.*): 2, with test error nan" "$tmp/out" &&
	ok || bad "razin_cohen baseline: $(grep 'least nuclear' "$tmp/out")"
expect_rc 0 "razin_cohen, depth 1" "$bin" run "$rc" -o "$tmp/rc1" --quiet --no-plot \
	--set 'claims=[{"text":"t","a":"depth 1","b":"depth 1","expect":"grows","column":"unobserved_max"}]'
expect_rc 0 "report razin_cohen, depth 1" "$bin" report "$tmp/rc1"
grep -q '| t | \*\*not reproduced\*\* | last / first 1 |' "$tmp/out" && ok || bad "grows at depth 1: $(grep '| t |' "$tmp/out")"
bad_entries() { # bad_entries LABEL WANT ENTRIES [--set ...]
	local label="$1" want="$2" entries="$3"
	shift 3
	expect_rc 2 "$label" "$bin" run "$rc" -o "$tmp/bad" --quiet --set "data.entries=$entries" "$@"
	grep -q -- "$want" "$tmp/err" && ok || bad "$label: $(cat "$tmp/err")"
}
bad_entries "entry twice" 'data.entries\[1\]: entry (0, 1) given twice' '[[0,1,1],[0,1,2]]'
bad_entries "entry outside" 'data.entries\[0\]: the row must be an integer in 0..1' '[[2,0,1]]'
bad_entries "entry of two numbers" 'each entry is \[row, column, value\]' '[[0,1]]'
bad_entries "entries with a rank" 'no "rank"' '[[0,1,1]]' --set data.rank=1

bad_config() { # bad_config LABEL WANT --set ...
	local label="$1" want="$2"
	shift 2
	expect_rc 2 "$label" "$bin" run "$ci" -o "$tmp/bad" --quiet "$@"
	grep -q -- "$want" "$tmp/err" && ok || bad "$label: $(cat "$tmp/err")"
	[ -e "$tmp/bad" ] && bad "$label: wrote $tmp/bad" || ok
}

# a file of (row, column, value) lines, 1-based, 5 x 7 of rank 1: a
# non-square problem, its held-out entries the test error; the file changed
# under an interrupted run is refused on resume
awk 'BEGIN { print "user,item,rating"; for (i = 1; i <= 5; i++) for (j = 1; j <= 7; j++)
	if ((i * 3 + j * 5) % 4 != 0) printf "%d,%d,%.17g\n", i, j, (i - 3) * (j - 4) / 4 }' > "$tmp/r.csv"
cat > "$tmp/file.json" <<JSON
{"name": "file", "seed": 2, "data": {"source": "matrix_completion", "path": "$tmp/r.csv", "one_based": true, "held_out": 0.2},
 "train": {"iterations": 3000, "log_every": 100},
 "defaults": {"init": {"scheme": "normal", "scale": 1e-3}, "optimizer": {"name": "group_rmsprop", "lr": 0.01}},
 "runs": [{"label": "depth 1", "model": {"depth": 1}}, {"label": "depth 3", "model": {"depth": 3, "width": 5}}]}
JSON
expect_rc 0 "file" "$bin" run "$tmp/file.json" -o "$tmp/file" --no-plot
grep -q "matrix completion, 5 x 7, [0-9]* entries observed and [0-9]* held out from '$tmp/r.csv'" "$tmp/err" && ok ||
	bad "file: $(cat "$tmp/err")"
t1=$(tail -n 1 "$tmp/file/runs/01-depth-1.csv" | cut -d, -f5)
t3=$(tail -n 1 "$tmp/file/runs/02-depth-3.csv" | cut -d, -f5)
awk -v a="$t1" -v b="$t3" 'BEGIN { exit !(b < a / 2 && a > 0) }' && ok || bad "file: held-out test errors depth 1 $t1, depth 3 $t3"
OVERPARAM_TEST_RAISE=INT@1000:2 "$bin" run "$tmp/file.json" -o "$tmp/file2" --quiet --no-plot 2> /dev/null
echo "1,8,0.5" >> "$tmp/r.csv"
expect_rc 2 "resume, file changed" "$bin" run "$tmp/file.json" -o "$tmp/file2" --quiet --no-plot --resume
grep -q "r.csv' changed since it was started" "$tmp/err" && ok || bad "file changed: $(cat "$tmp/err")"
bad_config "a file with n" 'data.path: a file.s entries replace the generated problem: no "n"' \
	--set 'data={"source":"matrix_completion","path":"x.csv","n":3}'
bad_config "held_out 1" 'data.held_out: must be below 1' \
	--set 'data={"source":"matrix_completion","path":"x.csv","held_out":1}'
bad_config "missing file" "cannot open '.*nowhere.csv'" \
	--set 'data={"source":"matrix_completion","path":"nowhere.csv"}'

# bad configs: exit 2, the key named, nothing written
bad_config "lp on a matrix" 'loss.type: a matrix problem.s loss is "mse"' --set 'loss={"type":"lp","p":4}'
bad_config "mse on regression data" 'loss.type: "mse" is for data.source matrix' \
	--set 'data={"source":"synthetic","m":20,"d":3}' --set 'loss={"type":"mse"}'
bad_config "rank above n" 'data.rank: must be at most n = 30' --set data.rank=31
bad_config "too many entries" 'data.observations: at most n^2 = 900' --set data.observations=901
bad_config "preprocessing" 'data.preprocess: a matrix problem needs "none"' --set 'data.preprocess="standardize"'
bad_config "unknown key" 'data.obs' --set data.obs=3
bad_config "baseline claim without column" '"above_baseline" needs "column"' \
	--set 'claims=[{"text":"t","a":"depth 1","b":"depth 1","expect":"above_baseline"}]'
bad_config "group_rmsprop momentum" 'momentum' --set 'defaults.optimizer.momentum=0.5'
finish test_matrix_cli
