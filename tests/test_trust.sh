#!/usr/bin/env bash
# What a command reads back from disk is verified before use: a resume or
# continue refuses (exit 2, the file named) data that changed since the
# directory was started, and a checkpoint with a state file missing or
# changed, its state.txt edited, or the run CSV's rows before it cut or
# changed; with the originals back, the resume gives the bytes of an
# uninterrupted run (so the refusals come from the checks, not from
# damage the resume could not have survived anyway). One writer per
# directory: a second run, --continue, --resume or --force on a directory
# being written exits 2 naming the writer's PID.
# usage: test_trust.sh OVERPARAM_BINARY SOURCE_DIR
. "$(dirname "$0")/cli_fixtures.sh"

# Two batch files of the mirror (739 rows), momentum (so the checkpoint
# has optimizer state), depth 2: 3000 steps, interrupted at 1000.
data="$tmp/data"
mkdir -p "$data"
cp "$src/data/gas-drift/batch1.dat" "$src/data/gas-drift/batch8.dat" "$data/" ||
	{ echo "FAIL fixture: no data/gas-drift (scripts/fetch-data.sh)" >&2; exit 1; }
cat > "$tmp/t.json" <<JSON
{"data": {"source": "gas_drift", "dir": "$data", "batches": "all"}, "loss": {"p": 4},
 "train": {"iterations": 3000, "log_every": 100},
 "runs": [{"label": "m", "model": {"depth": 2, "width": 3},
           "optimizer": {"name": "momentum", "lr": 1e-3, "momentum": 0.9}}]}
JSON
run() { "$bin" run "$tmp/t.json" --quiet --no-plot "$@"; }
run -o "$tmp/whole" 2> /dev/null || bad "uninterrupted run failed"
OVERPARAM_TEST_RAISE=INT@1000 run -o "$tmp/int" 2> /dev/null
[ $? = 1 ] && ok || bad "the run was not interrupted"
cp -r "$tmp/int" "$tmp/int0" # kept interrupted
ck="weights/01-m/checkpoint"
for f in params.npy opt_a.npy state.txt; do
	[ -s "$tmp/int/$ck/$f" ] && ok || bad "interrupted: no $ck/$f"
done

# refused LABEL MESSAGE-PART: a fresh copy of the interrupted directory,
# damaged by the commands read from stdin (run in it), must be refused by
# --resume and by --continue with a message that has MESSAGE-PART.
refused() {
	local label="$1" msg="$2" how
	how=$(cat)
	for verb in --resume --continue; do
		rm -rf "$tmp/d"
		cp -r "$tmp/int" "$tmp/d"
		(cd "$tmp/d" && eval "$how")
		expect_rc 2 "$label ($verb)" run -o "$tmp/d" "$verb"
		grep -qF -- "$msg" "$tmp/err" && ok || bad "$label ($verb): message '$(cat "$tmp/err")' lacks '$msg'"
	done
}
refused "a state file missing" "opt_a.npy: missing" <<< "rm $ck/opt_a.npy"
refused "params.npy changed" "params.npy: changed since the checkpoint" <<< \
	"printf '\\x01' | dd of=$ck/params.npy bs=1 seek=200 conv=notrunc status=none"
t=$(sed -n 's/^t //p' "$tmp/int/$ck/state.txt") # the first tick at or after 1000
refused "state.txt edited" "state.txt: changed since it was written" <<< \
	"sed -i 's/^t $t\$/t 900/' $ck/state.txt"
refused "rows cut" "01-m.csv: its rows before iteration $t" <<< \
	"sed -i '\$d' runs/01-m.csv; sed -i '\$d' runs/01-m.csv"
refused "a row changed" "01-m.csv: its rows before iteration $t" <<< \
	"sed -i '3s/,/,9/2' runs/01-m.csv"
# The data: a value edited, a batch file added, one removed (restored after).
cp "$data/batch8.dat" "$tmp/batch8.keep"
sed -i '1s/1:191.678400/1:191.678401/' "$data/batch8.dat"
cmp -s "$data/batch8.dat" "$tmp/batch8.keep" && bad "the planted data edit did not apply" || ok
refused "a data value changed" "batch8.dat' changed since it was started" <<< ":"
cp "$tmp/batch8.keep" "$data/batch8.dat"
cp "$data/batch1.dat" "$data/batch2.dat"
refused "a batch file added" "batch2.dat' appeared since it was started" <<< ":"
rm "$data/batch2.dat"
mv "$data/batch8.dat" "$tmp/batch8.away"
refused "a batch file removed" "batch8.dat' disappeared since it was started" <<< ":"
mv "$tmp/batch8.away" "$data/batch8.dat"

# scripts/fetch-data.sh checks every batch file against the published
# SHA-256 (scripts/gas-drift.sha256): a mirror with a changed file is
# refused by name, and nothing is copied.
mkdir -p "$tmp/mirror"
cp "$src/data/gas-drift/batch1.dat" "$src/data/gas-drift/batch8.dat" "$tmp/mirror/"
expect_rc 0 "fetch-data from a good mirror" bash "$src/scripts/fetch-data.sh" --mirror "$tmp/mirror" --dest "$tmp/fetched"
[ -f "$tmp/fetched/batch8.dat" ] && ok || bad "fetch-data copied nothing"
echo "1;1.0 1:1" >> "$tmp/mirror/batch8.dat"
expect_rc 2 "fetch-data from a changed mirror" bash "$src/scripts/fetch-data.sh" --mirror "$tmp/mirror" --dest "$tmp/fetched2"
grep -q "batch8.dat': SHA-256 [0-9a-f]*, published 58146b3e" "$tmp/err" && ok || bad "fetch-data message: $(cat "$tmp/err")"
[ ! -e "$tmp/fetched2" ] && ok || bad "fetch-data copied files from a changed mirror"

# Undamaged, the same directory resumes to the uninterrupted bytes.
expect_rc 0 "resume" run -o "$tmp/int" --resume
for f in runs/01-m.csv summary.csv weights/01-m/final/W1.npy weights/01-m/final/W2.npy SHA256SUMS; do
	cmp -s "$tmp/whole/$f" "$tmp/int/$f" && ok || bad "resumed: $f differs from the uninterrupted run"
done
# compare and report read summary.csv and the run CSVs: a final loss
# changed in summary.csv is refused (exit 2) by compare, report and plot
# as a damaged directory; a winner moved fails compare --rtol 0 --atol 0
# (exit 1); a run CSV cut after the summary was written is refused instead
# of read as a shorter run.
cat > "$tmp/g.json" <<'JSON'
{"data": {"source": "synthetic", "m": 50, "d": 4, "noise": 0.1}, "loss": {"p": 4},
 "train": {"iterations": 300, "log_every": 50},
 "runs": [{"label": "g", "model": {"depth": 2, "width": 2}, "optimizer": {"lr": [1e-3, 1e-2]}}]}
JSON
"$bin" run "$tmp/g.json" -o "$tmp/g" --quiet --no-plot 2> /dev/null || bad "grid run failed"
expect_rc 0 "compare with itself" "$bin" compare "$tmp/g" "$tmp/g" --rtol 0 --atol 0
# damaged NAME SED-PROGRAM: a copy of the grid's directory with summary.csv edited
damaged() { rm -rf "$tmp/$1"; cp -r "$tmp/g" "$tmp/$1"; sed -i "$2" "$tmp/$1/summary.csv"; }
# columns: ...,initial_loss(19),final_loss(20),min_loss(21),selected(22),...
damaged fl '2s/^\(\([^,]*,\)\{19\}\)\([0-9]\)/\19/'
cmp -s "$tmp/g/summary.csv" "$tmp/fl/summary.csv" && bad "the planted final_loss edit did not apply" || ok
expect_rc 2 "compare: a final loss changed" "$bin" compare "$tmp/g" "$tmp/fl" --rtol 0 --atol 0
grep -q "fl/summary.csv: run 1 ('g \[lr=0.001\]'): final_loss is not the loss of its last row" "$tmp/err" && ok || bad "compare final_loss: $(cat "$tmp/err")"
damaged win '2s/,\([01]\),runs\//,W\1,runs\//; 3s/,\([01]\),runs\//,W\1,runs\//; s/,W0,runs/,1,runs/; s/,W1,runs/,0,runs/'
cmp -s "$tmp/g/summary.csv" "$tmp/win/summary.csv" && bad "the planted winner swap did not apply" || ok
expect_rc 1 "compare: the winner moved" "$bin" compare "$tmp/g" "$tmp/win" --rtol 0 --atol 0
grep -q "its grid's winner" "$tmp/err" && ok || bad "compare winner: $(cat "$tmp/err")"
# an interrupted run marked ok (the directory interrupted above), a first
# loss edited
rm -rf "$tmp/ok"; cp -r "$tmp/int0" "$tmp/ok"; sed -i 's/,interrupted,/,ok,/' "$tmp/ok/summary.csv"
expect_rc 2 "report: an unfinished run marked ok" "$bin" report "$tmp/ok"
grep -q "01-m.csv: not in SHA256SUMS, which lists every finished run's files" "$tmp/err" && ok || bad "report, ok at $t: $(cat "$tmp/err")"
# ... and in a directory of an earlier version, without SHA256SUMS, by
# its summary row against its CSV
unmanifest() { rm -f "$1/SHA256SUMS"; sed -i '/"manifest":/d' "$1/metadata.json"; }
unmanifest "$tmp/ok"
expect_rc 2 "report: an unfinished run marked ok, no manifest" "$bin" report "$tmp/ok"
grep -q "status ok, but last_iter is not the run's iterations" "$tmp/err" && ok || bad "report, ok at $t, no manifest: $(cat "$tmp/err")"
damaged init '2s/^\(\([^,]*,\)\{18\}\)\([0-9]\)/\19/'
cmp -s "$tmp/g/summary.csv" "$tmp/init/summary.csv" && bad "the planted initial_loss edit did not apply" || ok
expect_rc 2 "plot: initial_loss edited" "$bin" plot "$tmp/init"
grep -q "initial_loss is not the loss of its first row" "$tmp/err" && ok || bad "plot, initial_loss: $(cat "$tmp/err")"
# a grid point that is not key=number: refused at load, not read as lr 0
damaged gp '2s/,lr=0\.01,/,lr=0.01x,/; 3s/,lr=0\.01,/,lr=0.01x,/'
cmp -s "$tmp/g/summary.csv" "$tmp/gp/summary.csv" && bad "the planted grid_point edit did not apply" || ok
expect_rc 2 "report: a grid_point that is not key=number" "$bin" report "$tmp/gp"
grep -q "summary.csv:[23]: grid_point 'lr=0.01x' is not key=number" "$tmp/err" && ok || bad "report, grid_point: $(cat "$tmp/err")"
rm -rf "$tmp/cut"; cp -r "$tmp/g" "$tmp/cut"; sed -i '$d' "$tmp/cut/runs/02-g-lr-0-01.csv"
expect_rc 2 "report of a cut run CSV" "$bin" report "$tmp/cut"
grep -q "02-g-lr-0-01.csv: changed since it was written (SHA-256 [0-9a-f]*\.\.\., SHA256SUMS says [0-9a-f]*\.\.\.): run the config again" "$tmp/err" && ok ||
	bad "report of a cut CSV: $(cat "$tmp/err")"
rm -rf "$tmp/oldcut"; cp -r "$tmp/cut" "$tmp/oldcut"; unmanifest "$tmp/oldcut"
expect_rc 2 "report of a cut run CSV, no manifest" "$bin" report "$tmp/oldcut"
grep -q "02-g-lr-0-01.csv: its last row is iteration 250, summary.csv says the run ok at 300" "$tmp/err" && ok ||
	bad "report of a cut CSV, no manifest: $(cat "$tmp/err")"

# SHA256SUMS (manifest.h) covers what consistency cannot see: a row in
# the middle of a finished CSV changed, a final weight changed; it is in
# sha256sum's format; deleting or garbling it is refused too.
(cd "$tmp/g" && sha256sum --quiet -c SHA256SUMS) && ok || bad "sha256sum -c SHA256SUMS fails on a fresh directory"
grep -q "  weights/02-g-lr-0-01/final/W1.npy$" "$tmp/g/SHA256SUMS" && ok || bad "SHA256SUMS lacks a final weight"
rm -rf "$tmp/mid"; cp -r "$tmp/g" "$tmp/mid"; sed -i '4s/^\([0-9]*\),\([0-9]\)/\1,9/' "$tmp/mid/runs/01-g-lr-0-001.csv"
cmp -s "$tmp/g/runs/01-g-lr-0-001.csv" "$tmp/mid/runs/01-g-lr-0-001.csv" && bad "the planted mid-file edit did not apply" || ok
expect_rc 2 "report: a middle row of a finished CSV changed" "$bin" report "$tmp/mid"
grep -q "01-g-lr-0-001.csv: changed since it was written" "$tmp/err" && ok || bad "report, mid-file edit: $(cat "$tmp/err")"
expect_rc 2 "compare refuses it too" "$bin" compare "$tmp/g" "$tmp/mid" --rtol 0 --atol 0
grep -q "01-g-lr-0-001.csv: changed since it was written" "$tmp/err" && ok || bad "compare, mid-file edit: $(cat "$tmp/err")"
rm -rf "$tmp/wflip"; cp -r "$tmp/g" "$tmp/wflip"
printf '\001' | dd of="$tmp/wflip/weights/02-g-lr-0-01/final/W1.npy" bs=1 seek=150 conv=notrunc status=none
expect_rc 2 "plot: a final weight changed" "$bin" plot "$tmp/wflip"
grep -q "weights/02-g-lr-0-01/final/W1.npy: changed since it was written" "$tmp/err" && ok || bad "plot, weight flip: $(cat "$tmp/err")"
expect_rc 2 "--init-from a directory whose final weight changed" "$bin" run "$tmp/g.json" -o "$tmp/fromflip" --quiet --no-plot --init-from "$tmp/wflip"
grep -q "W1.npy: changed since it was written" "$tmp/err" && ok || bad "--init-from, weight flip: $(cat "$tmp/err")"
rm -rf "$tmp/noman"; cp -r "$tmp/g" "$tmp/noman"; rm "$tmp/noman/SHA256SUMS"
expect_rc 2 "report: SHA256SUMS deleted" "$bin" report "$tmp/noman"
grep -q "noman/SHA256SUMS: missing: metadata.json says the directory has one" "$tmp/err" && ok || bad "report, manifest deleted: $(cat "$tmp/err")"
rm -rf "$tmp/garbled"; cp -r "$tmp/g" "$tmp/garbled"; sed -i '2s/^./x/' "$tmp/garbled/SHA256SUMS"
expect_rc 2 "report: SHA256SUMS garbled" "$bin" report "$tmp/garbled"
grep -q "garbled/SHA256SUMS:2: not '<sha256>  <path>'" "$tmp/err" && ok || bad "report, manifest garbled: $(cat "$tmp/err")"

# merge reads its shards back: a shard whose run CSV was cut is refused by
# name, not copied; what a merge killed earlier left beside OUT
# (OUT.merge.PID of a dead process) is removed by the next merge.
for k in 1 2; do
	"$bin" run "$tmp/g.json" --shard $k/2 -o "$tmp/sh$k" --quiet 2> /dev/null || bad "shard $k/2 failed"
done
mkdir -p "$tmp/merged.merge.999999999" && echo partial > "$tmp/merged.merge.999999999/summary.csv"
expect_rc 0 "merge" "$bin" merge "$tmp/sh1" "$tmp/sh2" -o "$tmp/merged" --quiet --no-plot
[ ! -e "$tmp/merged.merge.999999999" ] && ok || bad "merge left a dead merge's directory"
cmp -s "$tmp/g/SHA256SUMS" "$tmp/merged/SHA256SUMS" && ok || bad "the merged SHA256SUMS differs from the single run's"
csv=$(ls "$tmp/sh1/runs" | head -1)
sed -i '$d' "$tmp/sh1/runs/$csv"
expect_rc 2 "merge of a shard with a cut CSV" "$bin" merge "$tmp/sh1" "$tmp/sh2" -o "$tmp/merged2" --quiet --no-plot
grep -q "$csv: changed since it was written" "$tmp/err" && ok || bad "merge of a cut CSV: $(cat "$tmp/err")"
[ ! -e "$tmp/merged2" ] && ok || bad "a refused merge wrote its output"

# A finished run's CSV missing or cut: --continue of the complete
# directory and --resume refuse it by name (they said "complete" before).
for verb in --continue --resume; do
	rm -rf "$tmp/gone"; cp -r "$tmp/g" "$tmp/gone"; rm "$tmp/gone/runs/01-g-lr-0-001.csv"
	expect_rc 2 "$verb with a finished run's CSV missing" "$bin" run "$tmp/g.json" -o "$tmp/gone" --quiet --no-plot $verb
	grep -q "01-g-lr-0-001.csv" "$tmp/err" && ok || bad "$verb, CSV missing: $(cat "$tmp/err")"
	expect_rc 2 "$verb with a finished run's CSV cut" "$bin" run "$tmp/g.json" -o "$tmp/cut" --quiet --no-plot $verb
	grep -q "02-g-lr-0-01.csv: changed since it was written" "$tmp/err" && ok || bad "$verb, CSV cut: $(cat "$tmp/err")"
done
expect_rc 0 "--continue of the complete directory" "$bin" run "$tmp/g.json" -o "$tmp/g" --quiet --no-plot --continue

# One writer per directory: while a run writes a directory, a second run
# into it, --continue and --resume of it exit 2 at once naming its PID.
"$bin" run "$tmp/long.json" -o "$tmp/busy" --quiet --no-plot 2> /dev/null &
writer=$!
for _ in $(seq 1 600); do # until it has written its first records
	[ -s "$tmp/busy/metadata.json" ] && break
	sleep 0.1
done
[ -s "$tmp/busy/metadata.json" ] && ok || bad "the first writer wrote no records"
for opt in "" --continue --resume --force; do
	expect_rc 2 "second writer ${opt:-(new run)}" "$bin" run "$tmp/long.json" -o "$tmp/busy" --quiet --no-plot $opt
	grep -qF "'$tmp/busy' is being written by another overparam (PID $writer)" "$tmp/err" && ok ||
		bad "second writer ${opt:-(new run)}: message '$(cat "$tmp/err")'"
done
# merge takes the same lock on its output directory
expect_rc 2 "merge into a directory being written" "$bin" merge "$tmp/sh1" "$tmp/sh2" -o "$tmp/busy" --quiet --no-plot
grep -qF "'$tmp/busy' is being written by another overparam (PID $writer)" "$tmp/err" && ok ||
	bad "merge as a second writer: message '$(cat "$tmp/err")'"
kill -INT "$writer"
wait "$writer"
[ -s "$tmp/busy/config.json" ] && ok || bad "the first writer's records are gone"
# Under an address-space limit OpenBLAS cannot work in, a run is refused
# with the limit and the need named, before any output, instead of hanging
# in OpenBLAS's allocator (timeout is only a guard against that hang).
# (Not under AddressSanitizer, whose shadow memory needs no such limit.)
if ! ldd "$bin" 2> /dev/null | grep -q 'libasan\|asan'; then
	(ulimit -v 120000; timeout 120 "$bin" run "$src/configs/quickstart.json" -o "$tmp/ulimit" --quiet --no-plot) 2> "$tmp/err"
	rc=$?
	[ "$rc" = 1 ] && grep -q "the address-space limit (ulimit -v) is 117 MiB" "$tmp/err" && ok || bad "ulimit -v: exit $rc, $(cat "$tmp/err")"
	[ ! -e "$tmp/ulimit" ] && ok || bad "ulimit -v: output written"
fi
finish test_trust
