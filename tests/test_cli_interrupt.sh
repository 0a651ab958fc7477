#!/usr/bin/env bash
# Interrupts and resumption: SIGINT finishes the step and leaves resumable
# records, --resume gives the bytes of an uninterrupted run, a third Ctrl-C
# stops at once, and the saved weights check against an independent reader.
# usage: test_cli_interrupt.sh OVERPARAM_BINARY SOURCE_DIR
. "$(dirname "$0")/cli_fixtures.sh"

# SIGINT during a run: the current step finishes, finished runs keep complete
# CSVs, the interrupted run is marked, nothing half-written, exit 1.
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
# What a SIGKILL mid-write leaves (PID 999999999 is above any pid_max): the
# resumed run sweeps it where it writes.
mkdir -p "$tmp/resB/weights/05-long/final"
for f in summary.csv runs/05-long.csv weights/05-long/final/W1.npy; do
	echo partial > "$tmp/resB/$f.tmp.999999999"
done
expect_rc 0 "resume" "$bin" run "$tmp/res.json" -o "$tmp/resB" --quiet --no-plot --resume
left=$(find "$tmp/resB" -name '*.tmp.*')
[ -z "$left" ] && ok || bad "resume: temporaries of a killed writer left: $left"
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
# Two interrupts together (`timeout -s INT` signals the process, then its
# group) still checkpoint; a third stops at once, and what is on disk stays
# resumable.
OVERPARAM_TEST_RAISE=INT2@4096 "$bin" run "$tmp/long.json" -o "$tmp/two" --quiet --no-plot 2> "$tmp/err"
[ $? = 1 ] && grep -q "interrupted again: still writing the checkpoint" "$tmp/err" && ok || bad "two interrupts: exit $?, $(cat "$tmp/err")"
[ -s "$tmp/two/weights/02-long/checkpoint/state.txt" ] && ok || bad "two interrupts: no checkpoint"
grep -q '^2,long,.*,interrupted,' "$tmp/two/summary.csv" && ok || bad "two interrupts: run 2 not marked interrupted"
OVERPARAM_TEST_RAISE=INT3@4096 "$bin" run "$tmp/long.json" -o "$tmp/twice" --quiet --no-plot 2> "$tmp/err"
[ $? = 1 ] && grep -q "third interrupt: stopping now" "$tmp/err" && ok || bad "third interrupt: exit $?, $(cat "$tmp/err")"
grep -q '^2,long,.*,interrupted,' "$tmp/twice/summary.csv" && ok || bad "third interrupt: summary not resumable"
ls "$tmp/twice" | grep -q '\.tmp\.' && bad "third interrupt: a temporary file in place of a result" || ok

# SIGKILL in a run's start (the states it can leave: an empty runs/ with
# config.json's temporary; config.json alone; or with summary.csv and
# metadata.json's temporary): --continue and --resume start it over, with the
# bytes of a run never stopped and no temporary left. PID 999999999 is above
# any pid_max, so its writer is gone. A temporary whose writer lives (this
# shell) is not litter: refused. With a run CSV but no metadata.json nothing
# says what the directory holds: refused, and left as it was.
"$bin" run "$tmp/toy.json" -o "$tmp/cutA" --quiet --no-plot 2> /dev/null
for how in continue resume; do
	for left in temporary config summary; do
		[ "$how:$left" = resume:temporary ] && continue # --resume needs config.json
		c="$tmp/cut-$how-$left"
		mkdir -p "$c/runs"
		case $left in
		temporary) echo '{' > "$c/config.json.tmp.999999999" ;;
		config) cp "$tmp/toy.json" "$c/config.json" ;;
		summary)
			cp "$tmp/toy.json" "$c/config.json"
			sed 's/,complete,/,interrupted,/' "$tmp/cutA/summary.csv" > "$c/summary.csv"
			echo '{' > "$c/metadata.json.tmp.999999999"
			;;
		esac
		expect_rc 0 "--$how of a start cut before metadata.json ($left)" \
			"$bin" run "$tmp/toy.json" -o "$c" --"$how" --no-plot
		[ "$left" = temporary ] || grep -q "stopped before its first record: starting it over" "$tmp/err" &&
			ok || bad "--$how of a cut start: message '$(cat "$tmp/err")'"
		cmp -s "$tmp/cutA/runs/01-gd.csv" "$c/runs/01-gd.csv" && ok || bad "--$how of a cut start ($left): CSV differs"
		cmp -s "$tmp/cutA/summary.csv" "$c/summary.csv" && ok || bad "--$how of a cut start ($left): summary differs"
		ls "$c" "$c/runs" | grep -q '\.tmp\.' && bad "--$how of a cut start ($left): temporary left" || ok
	done
done
c="$tmp/cut-live"
mkdir -p "$c/runs" && echo '{' > "$c/config.json.tmp.$$"
expect_rc 2 "--continue beside a live writer's temporary" "$bin" run "$tmp/toy.json" -o "$c" --continue --quiet
grep -q "it is not empty and holds no run" "$tmp/err" && [ -e "$c/config.json.tmp.$$" ] && ok ||
	bad "live temporary: $(cat "$tmp/err")"
c="$tmp/cut-damaged"
mkdir -p "$c/runs" && cp "$tmp/toy.json" "$c/config.json" && cp "$tmp/cutA/runs/01-gd.csv" "$c/runs/"
expect_rc 2 "--continue with a run CSV and no metadata.json" "$bin" run "$tmp/toy.json" -o "$c" --continue --quiet
grep -q "cannot continue '$c': no readable metadata.json" "$tmp/err" && ok || bad "damaged: $(cat "$tmp/err")"
cmp -s "$tmp/cutA/runs/01-gd.csv" "$c/runs/01-gd.csv" && [ ! -e "$c/summary.csv" ] && ok || bad "damaged: changed"

finish test_cli_interrupt
