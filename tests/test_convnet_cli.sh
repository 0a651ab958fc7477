#!/usr/bin/env bash
# `overparam run` on convnet configs (Figure 5 right):
#   - bad configs and options exit 2 naming the file and key, and leave no
#     output directory behind (no data needed for these);
#   - with MNIST in SOURCE_DIR/data/mnist (else the rest is skipped, exit
#     77): the same bytes on 1 and 2 threads; a run stopped by SIGINT is
#     recorded as interrupted with a checkpoint, and --resume gives the
#     bytes of the uninterrupted run (both on a small size of the config);
#     configs/fig5_right_ci.json end to end, whose
#     report must find the overparameterized batch loss lower after the
#     crossing, and the curve's first row must be the closed-form start:
#     L2 term = 5e-4 * (sum of squares / 2) of the initial dense weights,
#     checked against the weights implied by the config (mean of the
#     truncated normal's second moment, within 5%).
# usage: test_convnet_cli.sh OVERPARAM_BINARY SOURCE_DIR
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
. "$src/tests/lib.sh"
cfg="$src/configs/fig5_right_ci.json"
mnist="$src/data/mnist"

# ---- bad input: exit 2, the file and key named, nothing written ----
bad_config() { # bad_config LABEL EXPECTED-MESSAGE --set ...
	local label="$1" msg="$2"
	shift 2
	expect_rc 2 "$label" "$bin" run "$cfg" -o "$tmp/bad" --quiet --set "data.dir=$mnist" "$@"
	grep -q -- "$msg" "$tmp/err" || bad "$label: message '$(cat "$tmp/err")' lacks '$msg'"
	if [ -e "$tmp/bad" ] || ls "$tmp" | grep -q '^bad\.run\.'; then bad "$label: output left behind"; else ok; fi
}
bad_config "unknown run key" "fig5_right_ci.json: runs\[0\].depth: unknown key" --set 'runs[0].depth=2'
bad_config "unknown default key" "defaults.momentun: unknown key" --set 'defaults.momentun=0.5'
bad_config "wrong type" "defaults.lr: must be a number, got a string" --set 'defaults.lr="fast"'
bad_config "out of range" "defaults.keep_prob: must be <= 1, got 2" --set 'defaults.keep_prob=2'
bad_config "unknown l2_on" "runs\[1\].l2_on: unknown 'both' (product, factors, none)" --set 'runs[1].l2_on="both"'
bad_config "unknown precision" "defaults.precision: unknown 'half'" --set 'defaults.precision="half"'
bad_config "duplicate label" "runs\[1\].label: 'original' is used twice" --set 'runs[1].label="original"'
bad_config "claim on no run" "claims\[0\].a: no run labelled 'x'" --set 'claims[0].a="x"'
bad_config "unknown expect" "claims\[0\].expect: unknown 'quicker'" --set 'claims[0].expect="quicker"'
bad_config "data source" "data.source: unknown 'cifar'" --set 'data.source="cifar"'
bad_config "no data" "MNIST directory '$tmp/no-such-dir' does not exist (scripts/fetch-data.sh mnist fetches" --set "data.dir=\"$tmp/no-such-dir\""
expect_rc 2 "--resume of nothing" "$bin" run "$cfg" -o "$tmp/r" --resume --quiet
grep -q "cannot resume '$tmp/r': no config.json" "$tmp/err" && ok || bad "--resume message: $(cat "$tmp/err")"
expect_rc 2 "--continue refused" "$bin" run "$cfg" -o "$tmp/r" --continue --quiet
grep -q "continue is not supported for convnet configs" "$tmp/err" && ok || bad "--continue message: $(cat "$tmp/err")"
expect_rc 2 "--shard refused" "$bin" run "$cfg" -o "$tmp/r" --shard 1/2 --quiet
mkdir -p "$tmp/notrun" && touch "$tmp/notrun/keep"
expect_rc 2 "--force on a directory that holds no run" "$bin" run "$cfg" -o "$tmp/notrun" --force --quiet --set "data.dir=\"$mnist\""
[ -e "$tmp/notrun/keep" ] && ok || bad "--force removed a directory that held no run"

if [ ! -f "$mnist/train-images-idx3-ubyte" ] && [ ! -f "$mnist/train-images-idx3-ubyte.gz" ]; then
	finish test_convnet_cli
	echo "test_convnet_cli: no MNIST in $mnist (scripts/fetch-data.sh mnist): skipping the runs"
	[ "$fail" = 0 ] && exit 77
	exit 1
fi
set_data=(--set "data.dir=\"$mnist\"")
# (this one needs the data: the split is checked against the file's images)
bad_config "split too large" "validation 59000 + train 10000 needs more" --set 'data.validation=59000'

# ---- same bytes on 1 and 2 threads ----
for t in 1 2; do
	expect_rc 0 "30 steps on $t threads" "$bin" run "$cfg" -o "$tmp/t$t" --iterations 30 --threads "$t" --no-plot --quiet "${set_data[@]}"
done
for f in runs/01-original.csv runs/02-overparameterized.csv summary.csv; do
	cmp -s "$tmp/t1/$f" "$tmp/t2/$f" && ok || bad "$f differs between 1 and 2 threads"
done
# Every run key of the table (metadata.json's "spec" is written from it) is
# in the README's table.
keys=$(awk '/"spec":/ { on = 1; next } on && /}/ { exit } on { gsub(/[\t":,]/, " "); print $1 }' "$tmp/t1/metadata.json")
[ "$(echo "$keys" | wc -w)" -ge 15 ] && ok || bad "metadata spec has too few keys: $keys"
for k in $keys; do
	grep -q "^| \`$k\`\|, \`$k\`" "$src/README.md" && ok || bad "README's convnet table lacks '$k'"
done

# ---- SIGINT: the steps done, status interrupted, exit 1 ----
# On the figure's protocol at a size that runs in a second (narrow layers,
# small batches, 60 steps): SIGINT raised by the run itself before step 30
# of run 1 (OVERPARAM_TEST_RAISE, so no wait on the clock), then --resume,
# against the same config run without a stop.
small=("${set_data[@]}" --set data.validation=64 --set data.test=64 --set data.train=1000
	--set defaults.conv1=2 --set defaults.conv2=4 --set defaults.hidden=16 --set defaults.batch=16
	--iterations 60 --no-plot)
expect_rc 0 "small config uninterrupted" "$bin" run "$cfg" -o "$tmp/whole" --quiet "${small[@]}"
OVERPARAM_TEST_RAISE=INT@30:1 "$bin" run "$cfg" -o "$tmp/int" --quiet "${small[@]}" 2> "$tmp/int.err"
rc=$?
[ "$rc" = 1 ] && ok || bad "SIGINT: exit $rc, want 1: $(cat "$tmp/int.err")"
grep -Eq '"status":[[:space:]]*"interrupted"' "$tmp/int/metadata.json" 2> /dev/null && ok || bad "SIGINT: metadata status not interrupted"
grep -q ',interrupted,' "$tmp/int/summary.csv" 2> /dev/null && ok || bad "SIGINT: summary has no interrupted run"
ls "$tmp"/int/weights/01-original/checkpoint/params.npy > /dev/null 2>&1 && ok || bad "SIGINT: no checkpoint"
rows=$(($(wc -l < "$tmp/int/runs/01-original.csv") - 1))
[ "$rows" = 30 ] && ok || bad "SIGINT at step 30: $rows rows, want 30"
expect_rc 0 "--resume" "$bin" run "$cfg" -o "$tmp/int" --resume --quiet "${small[@]}"
expect_rc 0 "--resume of a complete run" "$bin" run "$cfg" -o "$tmp/int" --resume "${small[@]}"
grep -q "is complete: nothing to resume" "$tmp/err" && ok || bad "--resume complete: $(cat "$tmp/err")"
# The run stopped by SIGINT and resumed: the bytes of the uninterrupted one.
for f in runs/01-original.csv runs/02-overparameterized.csv summary.csv \
	weights/01-original/final/dense1_a.npy weights/02-overparameterized/final/dense1_b.npy; do
	cmp -s "$tmp/whole/$f" "$tmp/int/$f" && ok || bad "resumed: $f differs from the uninterrupted run"
done
[ ! -e "$tmp/int/weights/01-original/checkpoint" ] && ok || bad "resumed: checkpoint left behind"
# The output directory by the linear runs' rules (outdir.c): --resume with
# other --iterations is refused; --force over a run directory keeps what
# else is there and writes the same run.
expect_rc 2 "--resume with other --iterations" "$bin" run "$cfg" -o "$tmp/int" --resume --quiet "${small[@]}" --iterations 50
grep -q "it was started with --iterations 60, this run has 50" "$tmp/err" && ok || bad "--resume --iterations: $(cat "$tmp/err")"
cp -r "$tmp/int" "$tmp/forced" && echo "my notes" > "$tmp/forced/NOTES"
expect_rc 0 "--force over a run directory" "$bin" run "$cfg" -o "$tmp/forced" --force --quiet "${small[@]}"
[ "$(cat "$tmp/forced/NOTES" 2> /dev/null)" = "my notes" ] && ok || bad "--force lost the directory's NOTES"
cmp -s "$tmp/whole/summary.csv" "$tmp/forced/summary.csv" && ok || bad "--force: summary.csv differs from the run's"

# --resume checks the data against the SHA-256 recorded at the start: a
# changed file is refused by name; the same files resume.
mkdir -p "$tmp/mn"
for f in "$mnist"/*-ubyte*; do ln -s "$f" "$tmp/mn/$(basename "$f")"; done
moved=(--set "data.dir=\"$tmp/mn\"" "${small[@]:2}")
OVERPARAM_TEST_RAISE=INT@30:1 "$bin" run "$cfg" -o "$tmp/mnint" --quiet "${moved[@]}" 2> /dev/null
[ $? = 1 ] && ok || bad "data check: the run was not interrupted"
labels=$(ls "$tmp/mn" | grep '^t10k-labels')
cp --remove-destination "$mnist/$labels" "$tmp/mn/$labels"
printf '\001' | dd of="$tmp/mn/$labels" bs=1 seek=100 conv=notrunc status=none
expect_rc 2 "--resume with a changed data file" "$bin" run "$cfg" -o "$tmp/mnint" --resume --quiet "${moved[@]}"
grep -q "data file '$tmp/mn/$labels' changed since it was started" "$tmp/err" && ok || bad "data check message: $(cat "$tmp/err")"
ln -sf "$mnist/$labels" "$tmp/mn/$labels"
expect_rc 0 "--resume with the same data" "$bin" run "$cfg" -o "$tmp/mnint" --resume --quiet "${moved[@]}"

# ---- the CI-sized figure end to end ----
expect_rc 0 "fig5_right_ci" "$bin" run "$cfg" -o "$tmp/ci" --quiet "${set_data[@]}"
[ -s "$tmp/ci/loss.png" ] && ok || bad "fig5_right_ci: no loss.png"
for w in 01-original:8 02-overparameterized:10; do # tensors saved per run, init and final
	n=$(ls "$tmp/ci/weights/${w%:*}/init" "$tmp/ci/weights/${w%:*}/final" 2> /dev/null | grep -c '\.npy$')
	[ "$n" = $((2 * ${w#*:})) ] && ok || bad "${w%:*}: $n weight files, want $((2 * ${w#*:}))"
done
rows=$(($(wc -l < "$tmp/ci/runs/02-overparameterized.csv") - 1))
[ "$rows" = 800 ] && ok || bad "fig5_right_ci: $rows rows, want 800"
expect_rc 0 "report" "$bin" report "$tmp/ci" -o "$tmp/ci/report.md"
grep -q "^- \*\*reproduced\*\* (expected: lower) the overparameterized network's batch loss" "$tmp/ci/report.md" && ok ||
	bad "fig5_right_ci: the batch-loss claim is not reproduced: $(grep -m1 'batch loss' "$tmp/ci/report.md")"
# The first row's L2 term against its expectation: each weight entry is
# 0.1 z with z standard normal truncated at 2 (E z^2 = 0.7737); the
# original's penalty is 5e-4/2 * 0.01 * 0.7737 * (3136*512 + 512*10) plus
# the biases (0.1^2 * 522), the product's (3136*512*512 + 512*10*10) *
# (0.01 * 0.7737)^2 in expectation. Within 5% (a sum of 1.6M terms).
awk -F, 'NR == 2 { l2 = $6 } END {
	want = 5e-4 / 2 * (0.007737 * (3136 * 512 + 512 * 10) + 0.01 * 522)
	if (l2 < 0.95 * want || l2 > 1.05 * want) { print "original l2 " l2 " want " want; exit 1 } }' \
	"$tmp/ci/runs/01-original.csv" && ok || bad "original: initial L2 term"
awk -F, 'NR == 2 { l2 = $6 } END {
	v = 0.007737 * 0.007737
	want = 5e-4 / 2 * (v * (3136 * 512 * 512 + 512 * 10 * 10) + 0.01 * 522)
	if (l2 < 0.95 * want || l2 > 1.05 * want) { print "overparameterized l2 " l2 " want " want; exit 1 } }' \
	"$tmp/ci/runs/02-overparameterized.csv" && ok || bad "overparameterized: initial L2 term"
finish test_convnet_cli
