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

finish test_cli_browse
