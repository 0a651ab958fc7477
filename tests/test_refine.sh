#!/usr/bin/env bash
# Grid rounds (select.extend, select.refine; refine.h) on a synthetic l4
# problem whose log grid (1e-4..1e-3, 2 per decade) is far below the best
# rates: the rounds must extend each group's grid until a larger rate
# diverges, then refine every group's winner by the same factor (after 2
# rounds every winner's neighbours are within 10^(1/2)^(1/4) = 1.334x),
# leave no winner at an unbounded edge, and give an added point the bytes
# it has when listed in the config; interrupted or killed in any round,
# --resume and --continue give the bytes of the uninterrupted run. Refusals
# exit 2.
# usage: test_refine.sh OVERPARAM_BINARY SOURCE_DIR
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
. "$src/tests/lib.sh"

cat > "$tmp/grid.json" <<'JSON'
{
  "name": "grid",
  "data": {"source": "synthetic", "m": 200, "d": 10, "noise": 0.1},
  "loss": {"p": 4},
  "train": {"iterations": 2000, "log_every": 200},
  "select": {"extend": 10, "refine": 2},
  "defaults": {"init": {"scheme": "balanced", "std": 0.1}},
  "runs": [
    {"label": "depth 1", "model": {"depth": 1}, "optimizer": {"lr": {"from": 1e-4, "to": 1e-3, "per_decade": 2}}},
    {"label": "depth 3", "model": {"depth": 3, "width": 4}, "optimizer": {"lr": {"from": 1e-4, "to": 1e-3, "per_decade": 2}}}
  ]
}
JSON
expect_rc 0 "run with grid rounds" "$bin" run "$tmp/grid.json" -o "$tmp/rounds" --quiet
sum="$tmp/rounds/summary.csv"
# Columns: 2 label, 3 group, 15 status, 22 selected, 24 grid_edge.
for g in "depth 1" "depth 3"; do
	winner=$(awk -F, -v g="$g" '$3 == g && $22 == 1 { print $2 }' "$sum")
	[ -n "$winner" ] && ok || bad "$g: no winner"
	edge=$(awk -F, -v g="$g" '$3 == g && $22 == 1 { print $24 }' "$sum")
	[ -z "$edge" ] && ok || bad "$g: winner '$winner' still at an edge ($edge)"
	# The winner's nearest tried rates on each side: both present, within 1.334x.
	awk -F, -v g="$g" '
		$3 == g { split($2, a, "lr="); lr = a[2] + 0; rates[++n] = lr; if ($22 == 1) w = lr }
		END {
			lo = 0; hi = 0
			for (i = 1; i <= n; i++) {
				if (rates[i] < w && rates[i] > lo) lo = rates[i]
				if (rates[i] > w && (hi == 0 || rates[i] < hi)) hi = rates[i]
			}
			if (lo == 0 || hi == 0 || w / lo > 1.3340 || hi / w > 1.3340) {
				print "winner " w " neighbours " lo " " hi; exit 1 }
		}' "$sum" && ok || bad "$g: refinement does not bracket the winner within 1.334x"
	# Extension stopped at a diverging rate above the winner.
	awk -F, -v g="$g" '$3 == g && $15 == "diverged"' "$sum" | grep -q . && ok || bad "$g: no larger rate diverged"
done
grep -q '"refine_rounds_run":[[:space:]]*2' "$tmp/rounds/metadata.json" && ok || bad "metadata: refine rounds"
grep -q '"plan_runs":[[:space:]]*6' "$tmp/rounds/metadata.json" && ok || bad "metadata: plan_runs"
# An added point has the bytes of the same rate listed in the config.
added=$(awk -F, 'NR > 7 && $3 == "depth 1" && $15 == "ok" { split($2, a, "lr="); sub(/]$/, "", a[2]); print a[2]; exit }' "$sum")
csv=$(awk -F, -v l="depth 1 [lr=$added]" '$2 == l { print $23 }' "$sum")
sed -e "s/\"select\": {\"extend\": 10, \"refine\": 2},//" \
    -e "s/\"lr\": {\"from\": 1e-4, \"to\": 1e-3, \"per_decade\": 2}/\"lr\": [$added]/" "$tmp/grid.json" > "$tmp/one.json"
expect_rc 0 "the added rate alone" "$bin" run "$tmp/one.json" -o "$tmp/one" --quiet --no-plot
cmp -s "$tmp/rounds/$csv" "$tmp/one/runs/01-depth-1-lr-${added//./-}.csv" && ok ||
	bad "depth 1 [lr=$added]: other bytes than when listed ($csv vs $(ls "$tmp/one/runs"))"
# Grid rounds resume: interrupted in the plan, in an extension round and
# in a refinement round (the run of the plan index given), each time
# --resume (or --continue) continues to the bytes of the uninterrupted
# run; a SIGKILL between two rounds' blocks, then --continue, likewise.
ext=$(awk -F, 'NR > 7 && $15 == "ok" { print $1; exit }' "$sum")  # the first added run
last=$(awk -F, 'NR > 1 && $15 == "ok" { i = $1 } END { print i }' "$sum") # the last run that lived, a refinement's
resume=()
for at in "INT@400:2" "INT@400:$ext" "INT@400:$last"; do
	OVERPARAM_TEST_RAISE=$at "$bin" run "$tmp/grid.json" -o "$tmp/res" --quiet --no-plot "${resume[@]}" 2> "$tmp/err"
	[ $? = 1 ] && ok || bad "$at: not interrupted: $(cat "$tmp/err")"
	resume=(--resume)
done
expect_rc 0 "resume the rounds" "$bin" run "$tmp/grid.json" -o "$tmp/res" --quiet --no-plot --resume
OVERPARAM_TEST_RAISE=INT@400:$ext "$bin" run "$tmp/grid.json" -o "$tmp/res2" --quiet --no-plot 2> /dev/null
OVERPARAM_TEST_RAISE=KILL@1:$last "$bin" run "$tmp/grid.json" -o "$tmp/res2" --quiet --no-plot --continue 2> /dev/null
[ $? = 137 ] && ok || bad "KILL in the last round: not killed"
expect_rc 0 "continue after a kill in the rounds" "$bin" run "$tmp/grid.json" -o "$tmp/res2" --quiet --no-plot --continue
for d in res res2; do
	cmp -s "$sum" "$tmp/$d/summary.csv" && ok || bad "$d: summary differs from the uninterrupted run's"
	for f in "$tmp"/rounds/runs/*.csv; do
		cmp -s "$f" "$tmp/$d/runs/$(basename "$f")" || { bad "$d: $(basename "$f") differs"; break; }
	done
	ok
done
expect_rc 0 "--continue of the complete rounds" "$bin" run "$tmp/grid.json" -o "$tmp/res" --no-plot --continue
grep -q "is complete: nothing to do" "$tmp/err" && ok || bad "complete rounds: $(cat "$tmp/err")"
# Sharded: the shards run the plan's runs, the merge is "incomplete" and
# says how to finish, --continue of it runs the rounds: the bytes of the
# single-process run (every CSV, summary.csv, SHA256SUMS).
for k in 1 2 3; do
	expect_rc 0 "rounds: shard $k/3" "$bin" run "$tmp/grid.json" -o "$tmp/sh$k" --shard $k/3 --quiet
done
expect_rc 0 "rounds: merge" "$bin" merge "$tmp/sh1" "$tmp/sh2" "$tmp/sh3" -o "$tmp/shm"
grep -q "grid rounds (select.extend, select.refine) remain: 'overparam run .*grid.json -o $tmp/shm --continue' runs them" "$tmp/err" && ok ||
	bad "rounds: merge message: $(cat "$tmp/err")"
grep -Eq '"status":[[:space:]]*"incomplete"' "$tmp/shm/metadata.json" && ok || bad "rounds: the merge is not incomplete"
[ ! -e "$tmp/shm/loss.png" ] && ok || bad "rounds: an incomplete merge plotted"
expect_rc 0 "rounds: --continue of the merge" "$bin" run "$tmp/grid.json" -o "$tmp/shm" --continue --quiet
for f in summary.csv SHA256SUMS $(cd "$tmp/rounds" && ls runs/*.csv); do
	cmp -s "$tmp/rounds/$f" "$tmp/shm/$f" && ok || bad "rounds, sharded: $f differs from the single-process run"
done
[ "$(ls "$tmp/shm/runs" | wc -l)" = "$(ls "$tmp/rounds/runs" | wc -l)" ] && ok || bad "rounds, sharded: another number of runs"
# Refusals.
expect_rc 2 "rounds with --init-from" "$bin" run "$tmp/grid.json" -o "$tmp/s" --init-from "$tmp/rounds" --quiet
grep -q "grid.json: select.extend and select.refine add runs that --init-from has no weights for" "$tmp/err" && ok || bad "--init-from message: $(cat "$tmp/err")"
sed 's/"refine": 2/"refine": 11/' "$tmp/grid.json" > "$tmp/bad.json"
expect_rc 2 "refine out of range" "$bin" run "$tmp/bad.json" -o "$tmp/b" --quiet
grep -q "bad.json: select.refine: must be in 0..10, got 11" "$tmp/err" && ok || bad "range message: $(cat "$tmp/err")"
finish test_refine
