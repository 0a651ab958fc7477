#!/usr/bin/env bash
# Sharded runs: `run --shard i/n` for n = 1, 2, 3, 7 and more shards than
# runs, merged with `overparam merge`, must give the bytes of one
# single-machine run (CSVs, summary, config copy, weights, plot script;
# metadata.json up to the fields merge documents). A shard killed with
# SIGKILL (at a known iteration, and at random moments) and continued must
# too. Every refusal of merge and of --continue exits 2 naming the shard.
# usage: test_shard.sh OVERPARAM_BINARY SOURCE_DIR
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
. "$src/tests/lib.sh"

# Two grids with blocks of odd size (5 and 3 points, one diverging), an
# Adam grid, a run with an Eq. 12 twin (stepped alone) and plain runs.
cat > "$tmp/grid.json" <<'JSON'
{
  "name": "grid",
  "data": {"source": "synthetic", "m": 400, "d": 24, "noise": 0.1},
  "loss": {"p": 4},
  "train": {"iterations": 9000, "log_every": 500, "save_every": 4500},
  "defaults": {"init": {"scheme": "balanced", "std": 0.1}},
  "runs": [
    {"label": "depth 1", "model": {"depth": 1}, "optimizer": {"lr": [0.001, 0.003, 0.01, 0.03, 30]}},
    {"label": "depth 3", "model": {"depth": 3, "width": 4}, "optimizer": {"lr": [0.001, 0.003, 0.01]}},
    {"label": "adam", "model": {"depth": 2, "width": 3}, "optimizer": {"name": "adam", "lr": [0.0003, 0.001]}},
    {"label": "twin", "model": {"depth": 2, "width": 2}, "diagnostics": {"emulate": true}, "train": {"iterations": 6000}},
    {"label": "short", "model": {"depth": 2}, "train": {"iterations": 700}}
  ]
}
JSON
n_runs=12

# Same bytes as $tmp/single, file by file (metadata.json: all but the fields
# a merge or another process changes).
same_as_single() { # same_as_single DIR LABEL
	local dir="$1" label="$2" f
	(cd "$tmp/single" && find . -type f ! -name metadata.json ! -name loss.png | sort) > "$tmp/files.a"
	(cd "$dir" && find . -type f ! -name metadata.json ! -name loss.png | sort) > "$tmp/files.b"
	cmp -s "$tmp/files.a" "$tmp/files.b" && ok || bad "$label: other files: $(diff "$tmp/files.a" "$tmp/files.b" | head -5)"
	while read -r f; do
		cmp -s "$tmp/single/$f" "$dir/$f" || { bad "$label: $f differs"; return; }
	done < "$tmp/files.a"
	ok
	strip() { grep -Ev '"(finished_utc|started_utc|seconds|threads|resumed|grid_batching)":' "$1" | sed '/"merged_from":/,$d; s/,$//' | grep -v '^}$'; }
	if diff <(strip "$tmp/single/metadata.json") <(strip "$dir/metadata.json") > "$tmp/meta.diff"; then ok; else
		bad "$label: metadata.json differs beyond timings: $(head -5 "$tmp/meta.diff")"; fi
}

expect_rc 0 "single run" "$bin" run "$tmp/grid.json" -o "$tmp/single" --quiet
grep -q ',diverged,' "$tmp/single/summary.csv" && ok || bad "the diverging grid point did not diverge"

for n in 1 2 3 7 20; do
	dirs=()
	for i in $(seq "$n"); do
		expect_rc 0 "shard $i/$n" "$bin" run "$tmp/grid.json" --shard "$i/$n" -o "$tmp/n$n/s$i" --quiet
		dirs+=("$tmp/n$n/s$i")
	done
	[ -e "$tmp/n$n/s1/loss.png" ] && bad "shard $n: a shard plotted" || ok
	expect_rc 0 "merge $n shards" "$bin" merge "${dirs[@]}" -o "$tmp/n$n/merged" --quiet
	expect_rc 0 "merge of $n = single" "$bin" compare "$tmp/single" "$tmp/n$n/merged" --rtol 0 --atol 0
	same_as_single "$tmp/n$n/merged" "merge of $n"
done
# More shards than runs: the empty ones exit 0 and merge.
empty=0
for f in "$tmp"/n20/s*/summary.csv; do [ "$(wc -l < "$f")" = 1 ] && empty=$((empty + 1)); done
[ "$empty" -ge 8 ] && ok || bad "20 shards of $n_runs runs: $empty empty, want at least 8"
# Every run in exactly one shard of 7.
cat "$tmp"/n7/s*/summary.csv | grep -v '^index' | cut -d, -f1 | sort -n | tr '\n' ' ' > "$tmp/idx"
[ "$(cat "$tmp/idx")" = "$(seq -s ' ' $n_runs) " ] && ok || bad "shards of 7 hold runs $(cat "$tmp/idx")"
cd "$tmp" || exit 1
expect_rc 0 "--shard-plan" "$bin" run "$tmp/grid.json" --shard 2/3 --shard-plan
cd - > /dev/null || exit 1
grep -q '^2/3\*,' "$tmp/out" && ok || bad "--shard-plan marks the shard: $(cat "$tmp/out")"
[ -e "$tmp/results" ] && bad "--shard-plan wrote files" || ok

# --no-batch shards merge to the same curves (metadata says how they ran).
for i in 1 2; do
	expect_rc 0 "no-batch shard $i" "$bin" run "$tmp/grid.json" --shard "$i/2" -o "$tmp/nb/s$i" --quiet --no-batch
done
expect_rc 0 "merge no-batch shards" "$bin" merge "$tmp/nb/s1" "$tmp/nb/s2" -o "$tmp/nb/merged" --quiet --no-plot
expect_rc 0 "no-batch merge = single" "$bin" compare "$tmp/single" "$tmp/nb/merged" --rtol 0 --atol 0
cmp -s "$tmp/single/summary.csv" "$tmp/nb/merged/summary.csv" && ok || bad "no-batch merge: summary differs"

# SIGKILL at known iterations (after the checkpoint due there), twice, then
# --continue: the bytes of an uninterrupted shard.
k="$tmp/kill"
OVERPARAM_TEST_RAISE=KILL@4096 "$bin" run "$tmp/grid.json" --shard 1/2 -o "$k/s1" --quiet --checkpoint-every 0 2> /dev/null
[ $? = 137 ] && ok || bad "KILL@4096 did not kill"
ls "$k"/s1/weights/*/checkpoint/state.txt > /dev/null 2>&1 && ok || bad "killed shard has no checkpoint"
grep -q ',interrupted,' "$k/s1/summary.csv" && ok || bad "killed shard: summary does not say interrupted"
OVERPARAM_TEST_RAISE=KILL@8192 "$bin" run "$tmp/grid.json" --shard 1/2 -o "$k/s1" --quiet --checkpoint-every 0 2> /dev/null
[ $? = 137 ] && ok || bad "KILL@8192 did not kill"
expect_rc 0 "continue after SIGKILL" "$bin" run "$tmp/grid.json" --shard 1/2 -o "$k/s1" --quiet
ls "$k"/s1/weights/*/checkpoint* > /dev/null 2>&1 && bad "checkpoints left after completion" || ok
expect_rc 0 "continue a complete shard" "$bin" run "$tmp/grid.json" --shard 1/2 -o "$k/s1"
grep -q "is complete: nothing to do" "$tmp/err" && ok || bad "complete shard: $(cat "$tmp/err")"
for f in "$tmp"/n2/s1/runs/*.csv "$tmp/n2/s1/summary.csv"; do
	cmp -s "$f" "$k/s1/${f#"$tmp"/n2/s1/}" || bad "after SIGKILL: ${f#"$tmp"/} differs"
done
ok
# SIGKILL at random moments (wherever it lands: in the start, mid-step,
# mid-checkpoint, mid-CSV), each continued; the result never depends on
# where, and no temporary of a killed writer is left (tests/
# test_cli_interrupt.sh makes the states a kill in the start leaves).
r="$tmp/rkill"
for _ in 1 2 3 4 5 6 7 8; do
	"$bin" run "$tmp/grid.json" --shard 2/2 -o "$r" --quiet --checkpoint-every 0 2> /dev/null &
	pid=$!
	sleep "0.$((RANDOM % 3))$((RANDOM % 10))"
	kill -KILL "$pid" 2> /dev/null
	wait "$pid" 2> /dev/null
done
expect_rc 0 "continue after random kills" "$bin" run "$tmp/grid.json" --shard 2/2 -o "$r" --quiet
for f in "$tmp"/n2/s2/runs/*.csv "$tmp/n2/s2/summary.csv"; do
	cmp -s "$f" "$r/${f#"$tmp"/n2/s2/}" || bad "after random kills: ${f#"$tmp"/} differs"
done
ok
left=$(find "$r" -name '*.tmp.*')
[ -z "$left" ] && ok || bad "after random kills: temporaries left: $left"

# --continue refusals.
sed 's/"noise": 0.1/"noise": 0.2/' "$tmp/grid.json" > "$tmp/other.json"
expect_rc 2 "continue with another config" "$bin" run "$tmp/other.json" --shard 1/2 -o "$k/s1" --quiet
grep -q "differs from the config it was started with" "$tmp/err" && ok || bad "other config: $(cat "$tmp/err")"
expect_rc 2 "continue with other --iterations" "$bin" run "$tmp/grid.json" --shard 1/2 -o "$k/s1" --quiet --iterations 100
grep -q "started with --iterations 0" "$tmp/err" && ok || bad "other iterations: $(cat "$tmp/err")"
expect_rc 2 "continue as another shard" "$bin" run "$tmp/grid.json" --shard 2/2 -o "$k/s1" --quiet
grep -q "holds shard 1/2, this run is shard 2/2" "$tmp/err" && ok || bad "other shard: $(cat "$tmp/err")"
expect_rc 2 "continue and force" "$bin" run "$tmp/grid.json" -o "$k/s1" --continue --force
mkdir -p "$tmp/junk" && touch "$tmp/junk/notes.txt"
expect_rc 2 "continue a non-run directory" "$bin" run "$tmp/grid.json" -o "$tmp/junk" --continue --quiet
expect_rc 0 "continue starts an absent directory" "$bin" run "$tmp/grid.json" -o "$tmp/fresh" --continue --quiet --iterations 10 --no-plot
expect_rc 2 "bad --shard" "$bin" run "$tmp/grid.json" --shard 3/2
expect_rc 2 "bad --shard" "$bin" run "$tmp/grid.json" --shard 0/2
expect_rc 2 "--shard-plan alone" "$bin" run "$tmp/grid.json" --shard-plan

# merge refusals: exit 2, the message names the shard, nothing written.
refuse() { # refuse LABEL PATTERN DIR...
	local label="$1" pattern="$2"
	shift 2
	rm -rf "$tmp/refused"
	expect_rc 2 "merge refuses $label" "$bin" merge "$@" -o "$tmp/refused" --quiet
	grep -q -- "$pattern" "$tmp/err" && ok || bad "merge refuses $label: message '$(cat "$tmp/err")' lacks '$pattern'"
	[ -e "$tmp/refused" ] && bad "merge refuses $label: output written" || ok
	ls "$tmp" | grep -q 'refused.merge' && bad "merge refuses $label: temporary left" || ok
}
s="$tmp/n3"
refuse "a missing shard" "shard 2/3 is missing" "$s/s1" "$s/s3"
refuse "a duplicated shard" "are both shard 1/3" "$s/s1" "$s/s1" "$s/s2" "$s/s3"
refuse "a shard of another split" "shard 1/2" "$s/s1" "$tmp/n2/s1" "$s/s2" "$s/s3"
refuse "a single run" "is not a shard" "$tmp/single"
refuse "a non-run directory" "not a run directory" "$tmp/junk"
expect_rc 0 "shard 2/3 of another config" "$bin" run "$tmp/other.json" --shard 2/3 -o "$tmp/oth2" --quiet
refuse "another config" "oth2.*config.json differs" "$s/s1" "$tmp/oth2" "$s/s3"
expect_rc 0 "shard 2/3 with --iterations" "$bin" run "$tmp/grid.json" --shard 2/3 -o "$tmp/it2" --quiet --iterations 5000
refuse "other --iterations" "it2.*--iterations differs" "$s/s1" "$tmp/it2" "$s/s3"
expect_rc 0 "shard 2/3 --no-batch" "$bin" run "$tmp/grid.json" --shard 2/3 -o "$tmp/nb2" --quiet --no-batch
refuse "other --no-batch" "nb2.*--no-batch differs" "$s/s1" "$tmp/nb2" "$s/s3"
OVERPARAM_TEST_RAISE=INT@4096 "$bin" run "$tmp/grid.json" --shard 2/3 -o "$tmp/int2" --quiet 2> /dev/null
[ $? = 1 ] && ok || bad "INT@4096: not interrupted"
refuse "an interrupted shard" "int2' (shard 2/3) is interrupted: rerun it" "$s/s1" "$tmp/int2" "$s/s3"
# Forged facts of a copied shard (runs the same, the record says otherwise).
forge() { # forge NAME SED-EXPR FILE: copy of shard 2/3 with FILE edited
	rm -rf "$tmp/$1"
	cp -r "$s/s2" "$tmp/$1"
	sed -i "$2" "$tmp/$1/$3"
}
forge ver 's/"overparam_version":\t"[^"]*"/"overparam_version":\t"0.0.1"/' metadata.json
refuse "another version" "ver.*overparam version differs" "$s/s1" "$tmp/ver" "$s/s3"
forge sha 's/"sha256":\t"./"sha256":\t"0/' metadata.json
grep -q '"sha256"' "$tmp/sha/metadata.json" || sed -i 's/"m":\t400/"m":\t401/' "$tmp/sha/metadata.json"
refuse "other data" "sha.*data (files, SHA-256" "$s/s1" "$tmp/sha" "$s/s3"
forge lost 3d summary.csv
refuse "a shard missing a run" "lost.*lacks run" "$s/s1" "$tmp/lost" "$s/s3"
# One output: another OpenBLAS kernel is fine (same bytes everywhere) ...
forge blas 's/"openblas":\t"[^"]*"/"openblas":\t"OpenBLAS 0.0 Prescott"/' metadata.json
expect_rc 0 "merge across OpenBLAS kernels (one output)" "$bin" merge "$s/s1" "$tmp/blas" "$s/s3" -o "$tmp/blasmerged" --quiet --no-plot
# ... but not where the curves use BLAS (three outputs).
sed 's/"d": 24,/"d": 24, "k": 3,/' "$tmp/grid.json" > "$tmp/k3.json"
for i in 1 2; do
	expect_rc 0 "k = 3 shard $i" "$bin" run "$tmp/k3.json" --shard "$i/2" -o "$tmp/k3/s$i" --quiet --iterations 600
done
grep -Eq '"blas_independent":[[:space:]]*false' "$tmp/k3/s1/metadata.json" && ok || bad "k = 3: blas_independent is not false"
sed -i 's/"openblas":\t"[^"]*"/"openblas":\t"OpenBLAS 0.0 Prescott"/' "$tmp/k3/s2/metadata.json"
refuse "another OpenBLAS kernel (k = 3)" "s2.*OpenBLAS 'OpenBLAS 0.0 Prescott'" "$tmp/k3/s1" "$tmp/k3/s2"
mkdir -p "$tmp/full" && touch "$tmp/full/x"
expect_rc 2 "merge into a non-empty directory" "$bin" merge "$s/s1" "$s/s2" "$s/s3" -o "$tmp/full" --quiet
# The shards are never modified.
(cd "$s" && find . -type f -newer "$tmp/n3/merged/summary.csv" | grep -v '^./merged' | head -3) > "$tmp/touched"
[ -s "$tmp/touched" ] && bad "merge modified shard files: $(cat "$tmp/touched")" || ok

finish test_shard
