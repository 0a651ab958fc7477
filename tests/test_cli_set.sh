#!/usr/bin/env bash
# --set KEY=VALUE: the same runs as the edited file, validated with the
# same messages, kept as config.json; errors name the --set.
# usage: test_cli_set.sh OVERPARAM_BINARY SOURCE_DIR
. "$(dirname "$0")/cli_fixtures.sh"

toy_run
# --set KEY=VALUE (feature 9): the same runs as the edited file, validated
# with the same messages, kept as config.json; errors name the --set.
sed 's/"lr": 0.5/"lr": 0.25/; s/"iterations": 10,/"iterations": 8,/' "$tmp/toy.json" > "$tmp/toy_edited.json"
expect_rc 0 "--set" "$bin" run "$tmp/toy.json" -o "$tmp/set" --quiet --no-plot --set 'runs[0].optimizer.lr=0.25' --set train.iterations=8
expect_rc 0 "edited file" "$bin" run "$tmp/toy_edited.json" -o "$tmp/setref" --quiet --no-plot
cmp -s "$tmp/set/runs/01-gd.csv" "$tmp/setref/runs/01-gd.csv" && cmp -s "$tmp/set/summary.csv" "$tmp/setref/summary.csv" &&
	ok || bad "--set differs from the edited file"
grep -q '"lr":[[:space:]]*0.25' "$tmp/set/config.json" && ok || bad "--set: config.json is not the resolved config"
expect_rc 0 "rerun from the directory's config.json" "$bin" run "$tmp/set/config.json" -o "$tmp/set2" --quiet --no-plot
cmp -s "$tmp/set/runs/01-gd.csv" "$tmp/set2/runs/01-gd.csv" && ok || bad "config.json does not redo the run"
expect_rc 0 "--set a grid" "$bin" run "$tmp/toy.json" -o "$tmp/setgrid" --quiet --no-plot --set 'defaults.optimizer.lr=[0.1,0.2]' --set 'runs[0].optimizer={}'
[ "$(grep -c 'gd \[lr=' "$tmp/setgrid/summary.csv")" = 2 ] && ok || bad "--set grid: $(cut -d, -f2 "$tmp/setgrid/summary.csv")"
expect_rc 0 "--continue with the same --set" "$bin" run "$tmp/toy.json" -o "$tmp/set" --quiet --continue --set 'runs[0].optimizer.lr=0.25' --set train.iterations=8
expect_rc 2 "--continue with another --set" "$bin" run "$tmp/toy.json" -o "$tmp/set" --quiet --continue --set 'runs[0].optimizer.lr=0.3'
grep -q "differs from the config it was started with" "$tmp/err" && ok || bad "--set continue: $(cat "$tmp/err")"
while IFS='|' read -r set msg; do
	expect_rc 2 "--set $set" "$bin" run "$tmp/toy.json" -o "$tmp/setbad" --quiet --set "$set"
	grep -qF -- "$msg" "$tmp/err" && ok || bad "--set $set: '$(cat "$tmp/err")' lacks '$msg'"
	[ -e "$tmp/setbad" ] && bad "--set $set wrote output" || ok
done <<'EOF'
runs[3].optimizer.lr=1|--set runs[3].optimizer.lr: 'runs' has 1 entries
runs.x=1|--set runs.x: 'runs' is not an object
name.x=1|--set name.x: 'name' is not an object
runs[0].optimizer.lr=-1|toy.json: runs[0].optimizer.lr: must be > 0, got -1 (from --set runs[0].optimizer.lr=-1)
train.bogus=1|toy.json: train.bogus: unknown key
train.iteration=5|train.iteration: unknown key (allowed: iterations, log_every, diverge_factor, stop_below, save_every); did you mean 'iterations'? (from --set train.iteration=5)
optimizer.lr=0.1|toy.json: optimizer: not a top-level key: a run's section goes in 'defaults' (every run) or in a run; did you mean defaults.optimizer? (from --set optimizer.lr=0.1)
defaults.init.scheme=bogus|toy.json: defaults.init.scheme: unknown scheme 'bogus' (normal, identity, balanced, decoupled) (from --set defaults.init.scheme=bogus)
lr|--set 'lr': expected KEY=VALUE
EOF
# keys --set-paths (the completion's list): every path is a key the parser
# knows: set to null, each is refused for its type or value, never as an
# unknown key (linear paths on the toy with its run's keys in defaults,
# convnet paths on the CI convnet).
"$bin" keys --set-paths > "$tmp/paths" || bad "keys --set-paths failed"
cat > "$tmp/toy_defaults.json" <<'JSON'
{"name": "toyd", "data": {"source": "inline", "x": [[1, 0], [0, 1]], "y": [3, 0.5], "preprocess": "none"},
 "defaults": {"model": {"depth": 1}, "init": {"std": 0}, "optimizer": {"lr": 0.5}}, "runs": [{"label": "gd"}]}
JSON
[ "$(wc -l < "$tmp/paths")" -ge 40 ] && ok || bad "keys --set-paths: $(wc -l < "$tmp/paths") paths"
grep -qx "defaults.optimizer.lr" "$tmp/paths" && grep -qx "train.iterations" "$tmp/paths" && grep -qx "defaults.keep_prob" "$tmp/paths" &&
	ok || bad "keys --set-paths lacks a known path"
n_lin=$("$bin" keys | sed -n '/^## Linear/,/^## Convnet/p' | grep -c '^| `')
head -n "$n_lin" "$tmp/paths" > "$tmp/lin_paths"
tail -n +"$((n_lin + 1))" "$tmp/paths" > "$tmp/conv_paths"
while read -r p; do
	"$bin" run "$tmp/toy_defaults.json" -o "$tmp/nul" --quiet --set "$p=null" > /dev/null 2> "$tmp/err"
	grep -qE "unknown key|not a top-level key" "$tmp/err" && bad "--set $p: $(cat "$tmp/err")" || ok
done < "$tmp/lin_paths"
while read -r p; do
	"$bin" run "$src/configs/fig5_right_ci.json" -o "$tmp/nul" --quiet --set "$p=null" --set 'data.dir="/nonexistent"' > /dev/null 2> "$tmp/err"
	grep -qE "unknown key|not a top-level key" "$tmp/err" && bad "--set $p (convnet): $(cat "$tmp/err")" || ok
done < "$tmp/conv_paths"
[ ! -e "$tmp/nul" ] && ok || bad "a refused --set left a directory"
# A value written under defaults is reported there, not at the run that
# took it; a misspelt key gets the nearest allowed one.
cat > "$tmp/defaults_bad.json" <<'JSON'
{"name": "d", "data": {"source": "inline", "x": [[1, 0], [0, 1]], "y": [3, 0.5], "preprocess": "none"},
 "defaults": {"optimizer": {"lr": [0.1, -0.2]}, "model": {"depht": 2}}, "runs": [{"model": {"depth": 1}}]}
JSON
expect_rc 2 "defaults: a bad grid value" "$bin" run "$tmp/defaults_bad.json" -o "$tmp/db" --quiet --set 'defaults.model={}'
grep -qxF "overparam: error: $tmp/defaults_bad.json: defaults.optimizer.lr: must be > 0, got -0.2" "$tmp/err" && ok || bad "defaults: $(cat "$tmp/err")"
expect_rc 2 "defaults: a misspelt key" "$bin" run "$tmp/defaults_bad.json" -o "$tmp/db" --quiet --set 'defaults.optimizer.lr=0.1'
grep -qF "defaults.model.depht: unknown key" "$tmp/err" && grep -qF "did you mean 'depth'?" "$tmp/err" && ok || bad "defaults misspelt: $(cat "$tmp/err")"


# Numbers keep their bits through --set, config.json and metadata.json: a
# seed of 2^53 - 1 and a rate one ulp above 1e-3 (cJSON's own printer turns
# them into ...990 and 0.001), and the edge values of a double.
cat > "$tmp/bits.json" <<'JSON'
{"name": "bits", "seed": 9007199254740991, "data": {"source": "synthetic", "m": 20, "d": 3, "noise": 0.1},
 "loss": {"p": 4}, "train": {"iterations": 10, "log_every": 5},
 "runs": [{"label": "a", "model": {"depth": 2}, "optimizer": {"lr": 0.0010000000000000002}}]}
JSON
expect_rc 0 "bits: as written" "$bin" run "$tmp/bits.json" -o "$tmp/bits1" --quiet --no-plot
expect_rc 0 "bits: an unrelated --set" "$bin" run "$tmp/bits.json" -o "$tmp/bits2" --quiet --no-plot --set description=x
cmp -s "$tmp/bits1/runs/01-a.csv" "$tmp/bits2/runs/01-a.csv" && ok || bad "bits: an unrelated --set changed the curve"
grep -q '"seed":[[:space:]]*9007199254740991,' "$tmp/bits2/config.json" && grep -q '"lr":[[:space:]]*0.0010000000000000002' "$tmp/bits2/config.json" &&
	ok || bad "bits: config.json lost bits: $(grep -E '"(seed|lr)"' "$tmp/bits2/config.json")"
[ "$(grep -c '"seed":[[:space:]]*9007199254740991' "$tmp/bits1/metadata.json")" -ge 2 ] && ok || bad "bits: metadata.json lost the seed's bits"
expect_rc 0 "bits: edge values" "$bin" run "$tmp/bits.json" -o "$tmp/bits3" --quiet --no-plot \
	--set 'description=x' --set 'data.noise=2.2250738585072014e-308' --set 'runs[0].optimizer.lr=0.30000000000000004'
grep -q '"noise":[[:space:]]*2.2250738585072014e-308' "$tmp/bits3/config.json" && grep -q '"lr":[[:space:]]*0.30000000000000004' "$tmp/bits3/config.json" &&
	ok || bad "bits: edge values: $(grep -E '"(noise|lr)"' "$tmp/bits3/config.json")"
# A VALUE that looks like JSON must be JSON (all of it): a number with
# trailing text was read as the number, an unclosed list as a string.
for v in '0.1x' '[1e-3,' '{"a":' 'tru'; do
	expect_rc 2 "--set lr=$v" "$bin" run "$tmp/bits.json" -o "$tmp/badset" --quiet --no-plot --set "runs[0].optimizer.lr=$v"
	case "$v" in tru) want="must be a number, got a string" ;; *) want="'$v' is not valid JSON" ;; esac
	grep -qF "$want" "$tmp/err" && ok || bad "--set lr=$v: $(cat "$tmp/err")"
done
[ ! -e "$tmp/badset" ] && ok || bad "a refused --set left a directory"
# Seeds beyond 2^53 keep all 64 bits as a string of digits (json_get_seed):
# in the config, through --set (an integer literal past 2^53 stays its
# digits), in summary.csv and metadata.json; the lowest bit changes the
# curve; a seed past 2^64 - 1 or not digits is refused by key.
for s in 18446744073709551615 18446744073709551614; do
	expect_rc 0 "seed $s by --set" "$bin" run "$tmp/bits.json" -o "$tmp/seed$s" --quiet --no-plot --set "seed=$s"
	grep -q "\"seed\":[[:space:]]*\"$s\"" "$tmp/seed$s/metadata.json" && ok || bad "seed $s: metadata.json: $(grep -m1 '"seed"' "$tmp/seed$s/metadata.json")"
	[ "$(awk -F, 'NR == 2 { print $13 }' "$tmp/seed$s/summary.csv")" = "$s" ] && ok || bad "seed $s: summary.csv: $(sed -n 2p "$tmp/seed$s/summary.csv")"
done
cmp -s "$tmp/seed18446744073709551615/runs/01-a.csv" "$tmp/seed18446744073709551614/runs/01-a.csv" &&
	bad "seeds 2^64-1 and 2^64-2 gave the same curve" || ok
expect_rc 0 "seed 2^64-1 written as a string" "$bin" run "$tmp/bits.json" -o "$tmp/seedstr" --quiet --no-plot --set 'seed="18446744073709551615"'
cmp -s "$tmp/seed18446744073709551615/runs/01-a.csv" "$tmp/seedstr/runs/01-a.csv" && ok || bad "the seed as a string and by --set differ"
expect_rc 2 "seed 2^64" "$bin" run "$tmp/bits.json" -o "$tmp/seedbad" --quiet --no-plot --set 'seed=18446744073709551616'
grep -q "bits.json: seed: must be an integer 0..9007199254740992 or a string of digits up to 18446744073709551615, got '18446744073709551616'" "$tmp/err" && ok || bad "seed 2^64: $(cat "$tmp/err")"
expect_rc 2 "init.seed not digits" "$bin" run "$tmp/bits.json" -o "$tmp/seedbad" --quiet --no-plot --set 'runs[0].init.seed="12a"'
grep -q "runs\[0\].init.seed: must be an integer .*got '12a'" "$tmp/err" && ok || bad "init.seed 12a: $(cat "$tmp/err")"
[ ! -e "$tmp/seedbad" ] && ok || bad "a refused seed left an output directory"
finish test_cli_set
