#!/usr/bin/env bash
# What a run would do, without doing it: `run --dry-run` checks the config
# and the data as a run does (exit 2 on bad ones), prints the plan (groups,
# grid points, replicates, shards, the grid rounds' bound), the memory and a
# calibrated time, and writes nothing; `--shard-plan` checks the data too.
# usage: test_cli_plan.sh OVERPARAM_BINARY SOURCE_DIR
. "$(dirname "$0")/cli_fixtures.sh"

mkdir -p "$tmp/empty"
expect_rc 0 "dry run" env -C "$tmp/empty" "$bin" run "$src/configs/quickstart.json" --dry-run
[ -z "$(ls -A "$tmp/empty")" ] && ok || bad "dry run wrote: $(ls -A "$tmp/empty")"
grep -qx "# dry run of $src/configs/quickstart.json: nothing written (a run would write 'results/quickstart')" "$tmp/out" &&
	ok || bad "dry run header: $(head -n 1 "$tmp/out")"
grep -qx "plan: 15 runs in 3 groups, 1 replicate (over seeds), 3e+05 iterations in all" "$tmp/out" && ok || bad "dry run plan: $(sed -n 2p "$tmp/out")"
# one row per group: its runs, the grid's range and size, its iterations
for g in "depth 1" "depth 2, width 1" "depth 3, width 1"; do
	grep -q "^| $g | 5 | lr 0.0003..0.03 (5 values) | 20000 | [0-9.e+-]* [smh]i*n* |$" "$tmp/out" && ok || bad "dry run row '$g': $(grep "^| $g |" "$tmp/out")"
done
grep -q "^memory: [0-9.e+-]* MiB for the largest block (5 runs of 'depth 3, width 1'), of this machine's" "$tmp/out" && ok ||
	bad "dry run memory: $(grep '^memory' "$tmp/out")"
grep -q "^time: about [0-9.e+-]* [smh]" "$tmp/out" && ok || bad "dry run time: $(grep '^time' "$tmp/out")"
# Grid rounds: each extension round adds at most one rate per lr-only group
# and replicate, each refinement round two: (2 + 2 * 1) * 2 replicates * 3.
expect_rc 0 "dry run with rounds" "$bin" run "$src/configs/quickstart.json" --dry-run -o "$tmp/x" \
	--set select.extend=2 --set select.refine=1 --set replicates=2
grep -qx "grid rounds (select.extend 2, select.refine 1): up to 24 more runs" "$tmp/out" && ok || bad "rounds bound: $(grep '^grid rounds' "$tmp/out")"
grep -q "more if every grid round runs" "$tmp/out" && ok || bad "rounds time: $(grep '^time' "$tmp/out")"
[ ! -e "$tmp/x" ] && ok || bad "dry run made its -o directory"
# A shard's plan: its runs; the rounds run after the merge.
expect_rc 0 "dry run of a shard" "$bin" run "$src/configs/quickstart.json" --dry-run --shard 2/3 --set select.extend=1
grep -qx "plan: 5 runs in 1 group, 1 replicate (over seeds), 1e+05 iterations in all; shard 2/3 of the plan's 15 runs" "$tmp/out" && ok ||
	bad "shard dry run: $(sed -n 2p "$tmp/out")"
grep -q "^grid rounds .* run after the merge" "$tmp/out" && ok || bad "shard dry run rounds: $(grep '^grid' "$tmp/out")"
# An existing run directory is named.
toy_run
expect_rc 0 "dry run onto a run directory" "$bin" run "$tmp/toy.json" --dry-run -o "$tmp/toy"
grep -q "which exists and is not empty" "$tmp/out" && ok || bad "dry run onto a directory: $(head -n 1 "$tmp/out")"
# Bad config, missing data: refused as a run refuses them, nothing printed.
expect_rc 2 "dry run, bad config" "$bin" run "$tmp/toy.json" --dry-run --set 'runs[0].optimizer.lr=-1'
sed "s|\"dir\": \"../data/gas-drift\"|\"dir\": \"$tmp/nodata\"|" "$src/configs/fig3_l4.json" > "$tmp/nodata.json"
expect_rc 2 "dry run, no data" "$bin" run "$tmp/nodata.json" --dry-run
grep -q "no batch files found" "$tmp/err" && [ ! -s "$tmp/out" ] && ok || bad "dry run without data: $(cat "$tmp/err")"
expect_rc 2 "--shard-plan, no data" "$bin" run "$tmp/nodata.json" --shard 1/2 --shard-plan
grep -q "no batch files found" "$tmp/err" && ok || bad "--shard-plan without data: $(cat "$tmp/err")"
expect_rc 2 "--dry-run with --resume" "$bin" run "$tmp/toy.json" --dry-run --resume -o "$tmp/toy"
# Convnet configs: the plan per run (with MNIST; its absence is refused).
expect_rc 2 "convnet dry run, no MNIST" "$bin" run "$src/configs/fig5_right_ci.json" --dry-run --set "data.dir=\"$tmp/nodata\""
grep -q "does not exist (scripts/fetch-data.sh mnist" "$tmp/err" && ok || bad "convnet dry run without MNIST: $(cat "$tmp/err")"
if [ -f "$src/data/mnist/train-images-idx3-ubyte" ]; then
	expect_rc 0 "convnet dry run" env -C "$tmp/empty" "$bin" run "$src/configs/fig5_right_ci.json" --dry-run
	# parameters: 5*5*8+8 + 5*5*8*64+64 + 3136*512+512 + 512*10+10 = 1624346;
	# overparameterized, 512*512 + 10*10 more
	grep -q "^| original | 800 | 64 | 1624346 | [0-9.e+-]* min |$" "$tmp/out" && grep -q "^| overparameterized | 800 | 64 | 1886590 |" "$tmp/out" &&
		ok || bad "convnet dry run: $(cat "$tmp/out")"
	[ -z "$(ls -A "$tmp/empty")" ] && ok || bad "convnet dry run wrote: $(ls -A "$tmp/empty")"
fi
finish test_cli_plan
