#!/usr/bin/env bash
# valgrind memcheck on representative runs: every optimizer and both models
# (golden synthetic config), softmax + Eq. 10 SVD + diagnostics on the
# gas-drift data, the numerical checks, grid rounds, replicates over data
# subsets, the convnet (unit test and a short run), matrix completion and
# sensing (side by side, baseline, a file), and an error path. Any
# invalid access or definite/indirect leak fails the test.
# Small data, same code paths: the gas-drift runs read two batch files
# (batch1 and batch8: 739 rows, all six gases in each), not all of them, so
# the test takes the same small share of its timeout whatever OpenBLAS
# kernel the machine picks (the full data took 190-240 s a run under
# valgrind).
# usage: test_memcheck.sh OVERPARAM_BINARY SOURCE_DIR
set -u
bin="$1"
src=$(cd "$2" && pwd)
. "$src/tests/lib.sh"
vg=(valgrind -q --error-exitcode=99 --leak-check=full
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect
	--suppressions="$src/tests/valgrind.supp")
run() { # run WANT_RC LABEL cmd...
	local want="$1" label="$2"
	shift 2
	"${vg[@]}" "$@" > "$tmp/out" 2> "$tmp/err"
	local rc=$?
	if [ "$rc" = "$want" ]; then ok; else
		bad "$label: exit $rc (99 = memcheck error)"; cat "$tmp/err" >&2; fi
}
run 0 "golden synthetic run" "$bin" run "$src/tests/golden/configs/synthetic_l4.json" -o "$tmp/a" --no-plot -q
sed "s|\"dir\": \"../data/gas-drift\"|\"dir\": \"$src/data/gas-drift\"|" "$src/configs/gas_classes.json" > "$tmp/gc.json"
two_batches=(--set 'data.batches=[1,8]')
run 0 "six-gas softmax with Eq. 10" "$bin" run "$tmp/gc.json" -o "$tmp/b" --iterations 10 --no-plot -q "${two_batches[@]}"
# deep matrix factorization: completion side by side on 2 threads (a
# grid), its baseline and metrics; sensing; a file's entries; the report
run 0 "matrix completion grid" "$bin" run "$src/configs/dmf_ci.json" -o "$tmp/mc" --iterations 300 --threads 2 -q \
	--set 'defaults.init.scale=[0.001,0.01]'
run 0 "matrix sensing" "$bin" run "$src/configs/dmf_ci.json" -o "$tmp/ms" --iterations 100 --no-plot -q \
	--set 'data={"source":"matrix_sensing","n":8,"rank":1,"observations":40}'
printf '1,1,1\n1,2,2\n2,1,2\n2,2,4\n3,1,3\n3,3,9\n' > "$tmp/r.csv"
echo '{"data": {"source": "matrix_completion", "path": "'"$tmp/r.csv"'", "one_based": true, "held_out": 0.2}, "train": {"iterations": 50}, "runs": [{"model": {"depth": 2, "width": 3}}]}' > "$tmp/mf.json"
run 0 "matrix file" "$bin" run "$tmp/mf.json" -o "$tmp/mf" --no-plot -q
run 0 "report, matrix" "$bin" report "$tmp/mc"
run 0 "report and compare" "$bin" compare "$tmp/a" "$tmp/a"
run 0 "check" "$bin" check
run 2 "bad config" "$bin" run "$src/tests/golden/configs/toy_gd.json" -o "$tmp/a" -q
echo '{"data": {"source": "inline", "x": [[1]], "y": [1]}, "runs": [{"model": {"depth": 0}}]}' > "$tmp/bad.json"
run 2 "invalid depth" "$bin" run "$tmp/bad.json" -o "$tmp/c" -q
# Shards with periodic checkpoints (every 4096 iterations), one resumed
# after an interrupt, merged; a merge refused.
g="$src/tests/golden/configs/synthetic_l4.json"
run 0 "shard 1/2, checkpoints" "$bin" run "$g" --shard 1/2 -o "$tmp/s1" -q --iterations 5000 --checkpoint-every 0
OVERPARAM_TEST_RAISE=INT@4096 "$bin" run "$g" --shard 2/2 -o "$tmp/s2" -q --iterations 5000 2> /dev/null
run 0 "shard 2/2 resumed" "$bin" run "$g" --shard 2/2 -o "$tmp/s2" -q --iterations 5000
run 0 "merge" "$bin" merge "$tmp/s1" "$tmp/s2" -o "$tmp/m" -q --no-plot
run 2 "merge refused" "$bin" merge "$tmp/s1" -o "$tmp/m2" -q
# No allocation inside the training loop: 1000 and 4000 iterations make
# the same number of heap allocations up to a handful (single and batched
# runs, 2 threads; no periodic checkpoint, whose timing depends on how slow
# valgrind runs).
allocs() {
	valgrind "$bin" run "$src/tests/golden/configs/synthetic_l4.json" -o "$tmp/al$1" \
		--no-plot -q --threads 2 --iterations "$1" --checkpoint-every -1 2>&1 |
		sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p'
}
# Grid rounds (refine.c): runs appended and trained after the plan's.
cat > "$tmp/rounds.json" <<'JSON'
{"data": {"source": "synthetic", "m": 50, "d": 4, "noise": 0.1}, "loss": {"p": 4},
 "train": {"iterations": 200, "log_every": 50}, "select": {"extend": 3, "refine": 1},
 "runs": [{"label": "d2", "model": {"depth": 2, "width": 2}, "optimizer": {"lr": {"from": 1e-3, "to": 1e-2, "per_decade": 2}}}]}
JSON
run 0 "grid rounds" "$bin" run "$tmp/rounds.json" -o "$tmp/rounds" --no-plot -q
# Replicates over data subsets: a dataset and a prepared loss per replicate.
run 0 "replicates over batches" "$bin" run "$tmp/gc.json" -o "$tmp/rb" --iterations 10 --no-plot -q \
	--set replicates=2 --set 'replicate_over="batches"' "${two_batches[@]}"
# The convnet: its unit test, and (with MNIST) three steps of the CI-sized
# figure with a validation and a test pass, then a SIGINT-free --resume.
run 0 "convnet unit test" "$(dirname "$bin")/tests/test_convnet"
if [ -f "$src/data/mnist/train-images-idx3-ubyte" ]; then
	# A small MNIST in the same IDX format (the first 1100 training and
	# 100 test images and their labels, the headers' counts rewritten):
	# the same loader and runner, a fortieth of the bytes valgrind reads
	# and hashes (the full files took over 3 minutes a run under it).
	mkdir -p "$tmp/mnist"
	be32() { printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)))"; }
	for f in train:1100 t10k:100; do
		n=${f#*:}
		for kind in images-idx3:16:784 labels-idx1:8:1; do
			IFS=: read -r name head size <<< "$kind"
			in="$src/data/mnist/${f%:*}-$name-ubyte"
			out="$tmp/mnist/${f%:*}-$name-ubyte"
			{ head -c 4 "$in"; be32 "$n"; tail -c +9 "$in" | head -c $((head - 8 + n * size)); } > "$out"
		done
	done
	# Narrow layers and small batches: the same code paths at a size
	# valgrind runs in seconds.
	small=(--set "data.dir=\"$tmp/mnist\"" --set data.validation=64 --set data.test=64
		--set data.train=1000 --set defaults.conv1=2 --set defaults.conv2=4
		--set defaults.hidden=16 --set defaults.batch=16)
	run 0 "convnet run" "$bin" run "$src/configs/fig5_right_ci.json" -o "$tmp/cn" --no-plot -q \
		--iterations 3 --threads 2 "${small[@]}"
	run 0 "convnet resume of a complete run" "$bin" run "$src/configs/fig5_right_ci.json" -o "$tmp/cn" \
		--resume --no-plot -q --iterations 3 "${small[@]}"
fi
a1=$(allocs 1000)
a4=$(allocs 4000)
# A loop that allocated once per step (or per logged row, every 10 steps)
# would add 3000 (300) allocations; what differs besides is the number
# of values metadata.json prints in their exact form (a handful).
d=$(( ${a4//,/} - ${a1//,/} ))
[ -n "$a1" ] && [ -n "$a4" ] && [ "${d#-}" -lt 100 ] && ok || bad "allocations grow with iterations: $a1 vs $a4"
finish test_memcheck
