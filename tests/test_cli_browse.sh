#!/usr/bin/env bash
# Looking at results: `ls` lists run directories with their status, runs,
# times and best losses (a running one with its writer's PID and the time
# left, a killed one as stopped, a damaged one with the reason), as columns
# and as JSON.
# usage: test_cli_browse.sh OVERPARAM_BINARY SOURCE_DIR
. "$(dirname "$0")/cli_fixtures.sh"

# ---- ls ----
mkdir -p "$tmp/empty"
expect_rc 0 "ls without results/" env -C "$tmp/empty" "$bin" ls
grep -qx "no run directories in results/" "$tmp/out" && ok || bad "ls of nothing: $(cat "$tmp/out")"
expect_rc 2 "ls of no such directory" "$bin" ls "$tmp/nosuch"
toy_run
mkdir -p "$tmp/res/nested"
cp -r "$tmp/toy" "$tmp/res/nested/toy"
expect_rc 0 "ls" env -C "$tmp" "$bin" ls res
# the toy's closed form (cli_fixtures.sh): L(10) = (1/4)(9 + 0.25)(3/4)^20
grep -Eq "^res/nested/toy +toy +complete +1/1 +20[0-9-]+T[0-9:.]+Z .* gd 0.007333$" "$tmp/out" && ok || bad "ls row: $(cat "$tmp/out")"
expect_rc 0 "ls --json" "$bin" ls --json "$tmp/res"
python3 - "$tmp/out" <<'PY' && ok || bad "ls --json: $(cat "$tmp/out")"
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 1, rows
r = rows[0]
want = 0.25 * 9.25 * 0.75 ** 20
assert r["status"] == "complete" and r["runs_done"] == 1 and r["runs_total"] == 1, r
assert abs(r["best_final_loss"]["gd"] - want) <= 1e-12 * want, (r, want)
assert r["elapsed_seconds"] >= 0 and "eta_seconds" not in r, r
PY
# A running directory: the run freezes itself (SIGSTOP) in its second run,
# holding its lock, after the first run's records are written.
OVERPARAM_TEST_RAISE=STOP@8192:2 "$bin" run "$tmp/long.json" -o "$tmp/res/live" --quiet 2> /dev/null &
pid=$!
for _ in $(seq 100000); do
	[ "$(ps -o stat= -p "$pid" | cut -c1)" = T ] && break
	kill -0 "$pid" 2> /dev/null || break
done
expect_rc 0 "ls of a running directory" "$bin" ls --json "$tmp/res/live"
python3 - "$tmp/out" "$pid" <<'PY' && ok || bad "ls of a running directory: $(cat "$tmp/out")"
import json, sys
r = json.load(open(sys.argv[1]))[0]
assert r["status"] == "running (PID %s)" % sys.argv[2] and r["writer_pid"] == int(sys.argv[2]), r
assert r["runs_done"] == 1 and r["runs_total"] == 3, r
# time left at the finished runs' rate: (2e6 + 2e6) iterations to go after 10
assert abs(r["eta_seconds"] / r["elapsed_seconds"] - 400000) < 1e-6 * 400000, r
PY
expect_rc 0 "ls columns, running" "$bin" ls "$tmp/res/live"
grep -q " running (PID $pid) .* 1/3 " "$tmp/out" && ok || bad "ls columns of a running directory: $(cat "$tmp/out")"
kill -KILL "$pid" 2> /dev/null
wait "$pid" 2> /dev/null
expect_rc 0 "ls of a killed directory" "$bin" ls "$tmp/res/live"
grep -q " stopped (incomplete) .* 1/3 " "$tmp/out" && ok || bad "ls of a killed directory: $(cat "$tmp/out")"
# A damaged metadata.json is listed with the reason, and the rest still are.
echo '{"name": ' > "$tmp/res/live/metadata.json"
expect_rc 0 "ls with a damaged directory" "$bin" ls "$tmp/res"
grep -q "^$tmp/res/live .* unreadable .*metadata.json is not a run's" "$tmp/out" && grep -q "^$tmp/res/nested/toy " "$tmp/out" &&
	ok || bad "ls with a damaged directory: $(cat "$tmp/out")"

# ---- compare --summary, report A B ----
# The toy at lr 0.5 (A) and 0.25 (B): L(10) = (1/4)(9.25)(1 - lr/2)^20, so
# B / A = (0.875 / 0.75)^20.
expect_rc 0 "toy at lr 0.25" "$bin" run "$tmp/toy.json" -o "$tmp/slow" --quiet --no-plot --set 'runs[0].optimizer.lr=0.25'
expect_rc 0 "compare --summary" "$bin" compare "$tmp/toy" "$tmp/slow" --summary
ratio=$(python3 -c 'print("%.3g" % ((0.875 / 0.75) ** 20))')
lb=$(python3 -c 'print("%.4g" % (0.25 * 9.25 * 0.875 ** 20))')
grep -qx "| gd | A | - | ok | 0.007333 | | [0-9 |a-z]*| [0-9.e+-]* |" "$tmp/out" && grep -q "^| gd | B | - | ok | $lb | $ratio |" "$tmp/out" &&
	ok || bad "compare --summary rows (want B $lb, ratio $ratio): $(cat "$tmp/out")"
[ "$(grep -c '^| gd |' "$tmp/out")" = 2 ] && grep -q "^| group | run | winner (grid point) | status | final loss | B / A | iterations to " "$tmp/out" &&
	ok || bad "compare --summary header: $(cat "$tmp/out")"
# the levels are shared: A (faster) reaches each no later than B
python3 - "$tmp/out" <<'PY' && ok || bad "compare --summary: A not ahead at every level: $(cat "$tmp/out")"
import sys
rows = [l.split("|")[1:-1] for l in open(sys.argv[1]) if l.startswith("| gd |")]
a, b = ([float("inf") if "not" in x else int(x) for x in r[6:10]] for r in rows)
assert all(x <= y for x, y in zip(a, b)) and a != b, (a, b)
PY
expect_rc 0 "compare --summary, other configs" "$bin" compare "$tmp/toy" "$tmp/res/nested/toy" --summary
expect_rc 0 "quickstart" "$bin" run "$src/configs/quickstart.json" -o "$tmp/qs" --quiet --no-plot --iterations 20
expect_rc 0 "compare --summary, different groups" "$bin" compare "$tmp/qs" "$tmp/toy" --summary
grep -q "^| gd | A | (absent) |" "$tmp/out" && grep -q "^| depth 1 | B | (absent) |" "$tmp/out" && ok ||
	bad "compare --summary absent groups: $(cat "$tmp/out")"
expect_rc 2 "compare --summary, not a directory" "$bin" compare "$tmp/toy" "$tmp/nosuch" --summary
expect_rc 0 "report A B" "$bin" report "$tmp/toy" "$tmp/slow"
grep -qx "## Side by side: A $tmp/toy, B $tmp/slow" "$tmp/out" && grep -q "^| gd | B | - | ok | $lb | $ratio |" "$tmp/out" &&
	ok || bad "report A B: $(cat "$tmp/out")"
grep -qx "## toy ($tmp/toy)" "$tmp/out" && grep -qx "## toy ($tmp/slow)" "$tmp/out" && ok || bad "report A B section titles: $(grep '^## ' "$tmp/out")"

# ---- export ----
# Every logged row of every finished run, the run CSVs' values exactly,
# the grid values as numbers; CSV and JSON Lines the same table.
expect_rc 0 "export csv" "$bin" export "$tmp/qs" -o "$tmp/qs.csv"
expect_rc 0 "export jsonl" "$bin" export "$tmp/qs" --format jsonl
cp "$tmp/out" "$tmp/qs.jsonl"
python3 - "$tmp/qs" "$tmp/qs.csv" "$tmp/qs.jsonl" <<'PY' && ok || bad "export: the table does not match the run CSVs"
import csv, json, os, sys
d, c, j = sys.argv[1:]
summary = list(csv.DictReader(open(os.path.join(d, "summary.csv"))))
rows = list(csv.DictReader(open(c)))
lines = [json.loads(l) for l in open(j)]
assert len(rows) == len(lines), (len(rows), len(lines))
want = []
for s in summary:
    if s["status"] not in ("ok", "diverged"):
        continue
    for r in csv.DictReader(open(os.path.join(d, s["csv"]))):
        want.append((s["label"], s["group"], float(s["lr"]), int(s["selected"]), r))
assert len(want) == len(rows) > 0, (len(want), len(rows))
for (label, group, lr, sel, r), row, obj in zip(want, rows, lines):
    assert row["run"] == obj["run"] == label and row["group"] == obj["group"] == group, (row, label)
    assert float(row["grid_lr"]) == obj["grid_lr"] == lr, (row, lr)
    assert int(row["selected"]) == sel and obj["selected"] == bool(sel), row
    for k, v in r.items():
        assert float(row[k]) == float(v), (k, row[k], v)
        assert (obj[k] is None and v in ("nan", "inf", "-inf")) or obj[k] == float(v), (k, obj[k], v)
PY
grep -q '^run,group,grid_point,replicate,status,selected,grid_lr,iteration,loss,' "$tmp/qs.csv" && ok || bad "export header: $(head -n 1 "$tmp/qs.csv")"
grep -q '^"depth 2, width 1 \[lr=' "$tmp/qs.csv" && ok || bad "export: a label with a comma is not quoted"
expect_rc 2 "export, unknown format" "$bin" export "$tmp/qs" --format xlsx
expect_rc 2 "export of a damaged directory" "$bin" export "$tmp/res/live" -o "$tmp/live.csv"
[ ! -e "$tmp/live.csv" ] && ok || bad "export of a damaged directory wrote a file"

finish test_cli_browse
