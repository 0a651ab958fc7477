#!/usr/bin/env bash
# Bad input table: each bad config or data file must fail with the given
# exit code, a one-line message holding the given text (file and key path or
# file:line), and no output directory left behind.
# usage: test_bad_input.sh OVERPARAM_BINARY SOURCE_DIR
set -u
bin="$1"
src=$(cd "$2" && pwd)
. "$src/tests/lib.sh"
n=0

D='"data": {"source": "inline", "x": [[1, 0], [0, 1], [1, 1]], "y": [1, 2, 3]}'
R='"runs": [{"model": {"depth": 2}}]'

# check WANT_RC EXPECTED_TEXT CONFIG_TEXT
check() {
	n=$((n + 1))
	local cfg="$tmp/case$n.json" out="$tmp/out$n"
	printf '%s' "$3" > "$cfg"
	"$bin" run "$cfg" -o "$out" --quiet > /dev/null 2> "$tmp/err"
	local rc=$?
	local msg
	msg=$(cat "$tmp/err")
	if [ "$rc" != "$1" ]; then
		bad "case $n: exit $rc, want $1: $msg"
	elif ! grep -qF -- "$2" "$tmp/err"; then
		bad "case $n: message '$msg' lacks '$2'"
	elif [ "$(wc -l < "$tmp/err")" != 1 ]; then
		bad "case $n: message is not one line: $msg"
	elif [ "$1" = 2 ] && [ -e "$out" ]; then
		bad "case $n: output directory created"
	else
		ok
	fi
}

# Malformed JSON and top-level structure.
check 2 "case1.json:1:10: malformed JSON" '{"name": }'
check 2 "malformed JSON" '{"data": {"source": "inline"'
check 2 "the top level must be an object" '[1, 2]'
check 2 "empty file" ''
check 2 "bogus: unknown key" "{$D, $R, \"bogus\": 1}"
check 2 "data: missing (required)" "{$R}"
check 2 "runs: missing (required)" "{$D}"
check 2 "runs: must be a non-empty array" "{$D, \"runs\": []}"
check 2 "runs[0]: must be an object" "{$D, \"runs\": [3]}"
check 2 "name: must be a string" "{$D, $R, \"name\": 5}"
check 2 "name: must be a non-empty name" "{$D, $R, \"name\": \"a/b\"}"
check 2 "seed: must be an integer" "{$D, $R, \"seed\": 1.5}"
check 2 "data: must be an object" "{\"data\": 1, $R}"
# Data section.
check 2 "data.source: unknown source 'xls'" "{\"data\": {\"source\": \"xls\"}, $R}"
check 2 "data.source: missing (required)" "{\"data\": {}, $R}"
check 2 "data.preprocess: unknown mode 'zscore'" "{\"data\": {\"source\": \"inline\", \"x\": [[1]], \"y\": [1], \"preprocess\": \"zscore\"}, $R}"
check 2 "data.y: has 1 rows, data.x has 2" "{\"data\": {\"source\": \"inline\", \"x\": [[1], [2]], \"y\": [1]}, $R}"
check 2 "data.x: row 1 has 1 entries, row 0 has 2" "{\"data\": {\"source\": \"inline\", \"x\": [[1, 2], [2]], \"y\": [1, 2]}, $R}"
check 2 "data.x: row 0, entry 1: must be a finite number" "{\"data\": {\"source\": \"inline\", \"x\": [[1, \"a\"]], \"y\": [1]}, $R}"
check 2 "data.batches: batch 2 listed twice" "{\"data\": {\"source\": \"gas_drift\", \"dir\": \".\", \"batches\": [2, 2]}, $R}"
check 2 "data.batches: entry 0 must be an integer 1..10" "{\"data\": {\"source\": \"gas_drift\", \"dir\": \".\", \"batches\": [11]}, $R}"
check 2 "data.gas: unknown gas 'methane'" "{\"data\": {\"source\": \"gas_drift\", \"dir\": \".\", \"gas\": \"methane\"}, $R}"
check 2 "data.dir: missing (required)" "{\"data\": {\"source\": \"gas_drift\"}, $R}"
check 2 "data.m: must be in 1..10000000, got 0" "{\"data\": {\"source\": \"synthetic\", \"m\": 0, \"d\": 3}, $R}"
check 2 "data.path: unknown key" "{\"data\": {\"source\": \"synthetic\", \"m\": 5, \"d\": 3, \"path\": \"x\"}, $R}"
# Loss, train, select, plot.
check 2 "loss.p: must be >= 2, got 1.5" "{$D, $R, \"loss\": {\"p\": 1.5}}"
check 2 "loss.type: unknown loss 'hinge'" "{$D, $R, \"loss\": {\"type\": \"hinge\"}}"
check 2 "train.iterations: must be in 1..1000000000, got -5" "{$D, $R, \"train\": {\"iterations\": -5}}"
check 2 "train.log_every: must be in 1..1000000000, got 0" "{$D, $R, \"train\": {\"log_every\": 0}}"
check 2 "train.diverge_factor: must be > 1" "{$D, $R, \"train\": {\"diverge_factor\": 0.5}}"
check 2 "select.by: unknown criterion 'best'" "{$D, $R, \"select\": {\"by\": \"best\"}}"
check 2 "select.target: missing (required)" "{$D, $R, \"select\": {\"by\": \"time_to_target\"}}"
check 2 "plot.logx: must be true or false" "{$D, $R, \"plot\": {\"logx\": 1}}"
check 2 "defaults.train: unknown key" "{$D, $R, \"defaults\": {\"train\": {}}}"
# Runs: model, init, optimizer.
check 2 "runs[0].model: missing (required)" "{$D, \"runs\": [{\"label\": \"x\"}]}"
check 2 "runs[0].model.depth: must be in 1..1000, got 0" "{$D, \"runs\": [{\"model\": {\"depth\": 0}}]}"
check 2 "runs[0].model.depth: missing (required)" "{$D, \"runs\": [{\"model\": {}}]}"
check 2 "runs[0].model.width: must be in 1..100000, got 0" "{$D, \"runs\": [{\"model\": {\"depth\": 2, \"width\": 0}}]}"
check 2 "runs[0].model.widths: must be a list of depth - 1 = 2 hidden widths" "{$D, \"runs\": [{\"model\": {\"depth\": 3, \"widths\": [4]}}]}"
check 2 "runs[0].model: give 'width' or 'widths', not both" "{$D, \"runs\": [{\"model\": {\"depth\": 2, \"width\": 2, \"widths\": [2]}}]}"
check 2 "runs[0].model.type: unknown model type 'cnn'" "{$D, \"runs\": [{\"model\": {\"type\": \"cnn\", \"depth\": 2}}]}"
check 2 "runs[0].init.scheme: unknown scheme 'xavier'" "{$D, \"runs\": [{\"model\": {\"depth\": 2}, \"init\": {\"scheme\": \"xavier\"}}]}"
check 2 "runs[0].init.std: must be >= 0, got -1" "{$D, \"runs\": [{\"model\": {\"depth\": 2}, \"init\": {\"std\": -1}}]}"
check 2 "runs[0].optimizer.lr: must be > 0, got -0.1" "{$D, \"runs\": [{\"model\": {\"depth\": 2}, \"optimizer\": {\"lr\": -0.1}}]}"
check 2 "runs[0].optimizer.lr: must be a number, got a string" "{$D, \"runs\": [{\"model\": {\"depth\": 2}, \"optimizer\": {\"lr\": \"0.1\"}}]}"
check 2 "runs[0].optimizer.name: unknown optimizer 'sgd2'" "{$D, \"runs\": [{\"model\": {\"depth\": 2}, \"optimizer\": {\"name\": \"sgd2\"}}]}"
check 2 "runs[0].optimizer.beta1: not a key of 'gd' (it belongs to adam)" "{$D, \"runs\": [{\"model\": {\"depth\": 2}, \"optimizer\": {\"name\": \"gd\", \"beta1\": 0.9}}]}"
check 2 "runs[0].optimizer.momentum: must be <= 1" "{$D, \"runs\": [{\"model\": {\"depth\": 2}, \"optimizer\": {\"name\": \"momentum\", \"momentum\": 2}}]}"
check 2 "runs[0].optimizer.lr: grid list is empty" "{$D, \"runs\": [{\"model\": {\"depth\": 2}, \"optimizer\": {\"lr\": []}}]}"
check 2 "runs[0].optimizer.lr: grid list entries must be numbers" "{$D, \"runs\": [{\"model\": {\"depth\": 2}, \"optimizer\": {\"lr\": [0.1, \"x\"]}}]}"
check 2 "runs[0].optimizer.lr: must be > 0, got 0" "{$D, \"runs\": [{\"model\": {\"depth\": 2}, \"optimizer\": {\"lr\": [0.1, 0]}}]}"
check 2 "runs[1]: duplicate run label 'a'" "{$D, \"runs\": [{\"label\": \"a\", \"model\": {\"depth\": 2}}, {\"label\": \"a\", \"model\": {\"depth\": 1}}]}"
check 2 "runs[0].label: must not hold line breaks" "{$D, \"runs\": [{\"label\": \"a\\nb\", \"model\": {\"depth\": 2}}]}"
check 2 "runs[0].label: must not be empty" "{$D, \"runs\": [{\"label\": \"\", \"model\": {\"depth\": 2}}]}"
check 2 "runs[0].label: duplicate key" "{$D, \"runs\": [{\"label\": \"a\", \"label\": \"b\", \"model\": {\"depth\": 2}}]}"
check 2 "runs[0].train.iterations: must be an integer" "{$D, \"runs\": [{\"model\": {\"depth\": 2}, \"train\": {\"iterations\": 1.5}}]}"
check 2 "runs[0]: grid expands to more than 10000 runs" "{$D, \"runs\": [{\"model\": {\"depth\": 2}, \"optimizer\": {\"lr\": [$(seq -s, 1 200)]}, \"init\": {\"seed\": [$(seq -s, 1 200)]}}]}"
check 2 "cannot open" "$(printf '{"data": {"source": "csv", "path": "%s/none.csv"}, %s}' "$tmp" "$R")"

# Bad data files, through the CLI (file:line in the message).
gas_line() { # gas_line CLASS CONC -> a valid line with 128 features
	local s="$1;$2" i
	for i in $(seq 1 128); do s="$s $i:$i.5"; done
	printf '%s\n' "$s"
}
good=$(gas_line 1 10)
bad_data() { # bad_data EXPECTED FILE_CONTENT
	n=$((n + 1))
	local dir="$tmp/gas$n"
	mkdir -p "$dir"
	printf '%s' "$2" > "$dir/batch1.dat"
	check 2 "$1" "{\"data\": {\"source\": \"gas_drift\", \"dir\": \"$dir\", \"batches\": [1]}, $R}"
}
bad_data "batch1.dat:2: feature 3: value is not a number" "$good
${good/ 3:3.5/ 3:x}"
bad_data "batch1.dat:1: feature 5: non-finite value" "${good/ 5:5.5/ 5:nan}"
bad_data "batch1.dat:1: feature 5: non-finite value" "${good/ 5:5.5/ 5:inf}"
bad_data "batch1.dat:1: duplicate feature index 4" "${good/ 5:5.5/ 4:5.5}"
bad_data "batch1.dat:1: expected 128 features, got 127" "${good% 128:128.5}"
bad_data "batch1.dat:1: feature index 0 out of range" "${good/ 1:1.5/ 0:1.5}"
bad_data "batch1.dat:1: gas class must be 1..6, got 9" "${good/1;10/9;10}"
bad_data "batch1.dat:1: expected 'CLASS;CONCENTRATION'" "${good/1;10/1:10}"
bad_data "batch1.dat:1: concentration is not a number" "${good/1;10/1;ab}"
bad_data "batch1.dat:1: non-finite concentration" "${good/1;10/1;nan}"
bad_data "batch1.dat:1: expected 'INDEX:VALUE' for feature 1" "${good/ 1:1.5/ 1=1.5}"
bad_data "batch1.dat:1: expected a blank before feature 2" "${good/1:1.5 2:/1:1.5,2:}"
bad_data "no rows of gas 'ethanol'" "$(gas_line 2 10)"
n=$((n + 1))
check 2 "cannot open" "{\"data\": {\"source\": \"gas_drift\", \"dir\": \"$tmp/nowhere\", \"batches\": [1]}, $R}"
check 2 "no batch files found" "{\"data\": {\"source\": \"gas_drift\", \"dir\": \"$tmp/nowhere\"}, $R}"
csv_case() { # csv_case EXPECTED CONTENT
	n=$((n + 1))
	printf '%s' "$2" > "$tmp/d$n.csv"
	check 2 "$1" "{\"data\": {\"source\": \"csv\", \"path\": \"$tmp/d$n.csv\"}, $R}"
}
csv_case "expected 3 columns, got 2" $'a,b,y\n1,2,3\n4,5\n'
csv_case "column 2: not a number" $'1,2,3\n4,five,6\n'
csv_case "column 1: non-finite value" $'1,2,3\nnan,5,6\n'
csv_case "no data rows" $'a,b,y\n'
csv_case "leave no features beside 1 label" $'1\n2\n'

# Unwritable output directory: runtime error (exit 1), named.
printf '{%s, %s}' "$D" "$R" > "$tmp/ok.json"
"$bin" run "$tmp/ok.json" -o /proc/overparam-cannot-write --quiet 2> "$tmp/err" > /dev/null
rc=$?
[ "$rc" = 1 ] && grep -q "cannot create directory '/proc/overparam-cannot-write" "$tmp/err" &&
	ok || bad "unwritable output: exit $rc: $(cat "$tmp/err")"
# Log grids.
check 2 'runs[0].optimizer.lr: '"'"'to'"'"' (0.1) must be >= '"'"'from'"'"' (1)' "{$D, \"runs\": [{\"model\": {\"depth\": 1}, \"optimizer\": {\"lr\": {\"from\": 1, \"to\": 0.1, \"per_decade\": 2}}}]}"
check 2 'runs[0].optimizer.lr.per_decade: missing (required)' "{$D, \"runs\": [{\"model\": {\"depth\": 1}, \"optimizer\": {\"lr\": {\"from\": 1, \"to\": 2}}}]}"
check 2 'runs[0].optimizer.lr.step: unknown key' "{$D, \"runs\": [{\"model\": {\"depth\": 1}, \"optimizer\": {\"lr\": {\"from\": 1, \"to\": 2, \"per_decade\": 1, \"step\": 1}}}]}"
check 2 'runs[0].optimizer.lr: more than 1000 values' "{$D, \"runs\": [{\"model\": {\"depth\": 1}, \"optimizer\": {\"lr\": {\"from\": 1e-20, \"to\": 1, \"per_decade\": 100}}}]}"
check 2 'runs[0].optimizer.lr.per_decade: must be in 1..100, got 101' "{$D, \"runs\": [{\"model\": {\"depth\": 1}, \"optimizer\": {\"lr\": {\"from\": 1, \"to\": 2, \"per_decade\": 101}}}]}"

# Every documented bound is the parser's: the README states the range, the
# parser accepts its ends and refuses just beyond (validation only: the
# --shard-plan of a one-shard split parses the config and runs nothing).
# key;README range;config with @ for the value;accepted;refused
while IFS=';' read -r key range cfg good badv; do
	grep -qF -- "$range" "$src/README.md" && ok || bad "README does not state '$range' for $key"
	for v in $good; do
		printf '%s' "${cfg//@/$v}" > "$tmp/bound.json"
		"$bin" run "$tmp/bound.json" --shard 1/1 --shard-plan > /dev/null 2> "$tmp/err" &&
			ok || bad "$key = $v refused: $(cat "$tmp/err")"
	done
	for v in $badv; do
		printf '%s' "${cfg//@/$v}" > "$tmp/bound.json"
		"$bin" run "$tmp/bound.json" --shard 1/1 --shard-plan > /dev/null 2> "$tmp/err"
		[ $? = 2 ] && grep -q "$key" "$tmp/err" && ok || bad "$key = $v accepted: $(cat "$tmp/err")"
	done
done <<EOF
lr;\`optimizer.lr\` | number in (0, 1e6];{$D, "runs": [{"model": {"depth": 1}, "optimizer": {"lr": @}}]};1e-300 1e6;0 -1 1000000.1
weight_decay;\`optimizer.weight_decay\` | number in [0, 1e6];{$D, "runs": [{"model": {"depth": 1}, "optimizer": {"weight_decay": @}}]};0 1e6;-1e-9 1.1e6
std;\`init.std\` | number in [0, 1e6];{$D, "runs": [{"model": {"depth": 1}, "init": {"std": @}}]};0 1e6;-1 1e7
seed;\`init.seed\` | integer 0..2^53;{$D, "runs": [{"model": {"depth": 1}, "init": {"seed": @}}]};0 9007199254740992;-1 18014398509481984
depth;\`model.depth\` | integer 1..1000;{$D, "runs": [{"model": {"depth": @}}]};1 1000;0 1001
width;each 1..100000;{$D, "runs": [{"model": {"depth": 2, "width": @}}]};1 100000;0 100001
p;\`loss.p\` | number in [2, 64];{$D, "loss": {"p": @}, $R};2 64;1.99 64.5
iterations;\`train.iterations\` | integer 1..1e9;{$D, "train": {"iterations": @}, $R};1 1000000000;0 1000000001
log_every;\`train.log_every\` | integer 1..1e9;{$D, "train": {"log_every": @}, $R};1 1000000000;0 1000000001
save_every;\`train.save_every\` | integer 0..1e9;{$D, "train": {"save_every": @}, $R};0 1000000000;-1 1000000001
diverge_factor;\`train.diverge_factor\` | number > 1;{$D, "train": {"diverge_factor": @}, $R};1.000001 1e300;1 0.5
momentum;\`optimizer.momentum\` | number in [0, 1];{$D, "runs": [{"model": {"depth": 1}, "optimizer": {"name": "momentum", "momentum": @}}]};0 1;-0.1 1.1
beta1;\`optimizer.beta1\` | number in [0, 1);{$D, "runs": [{"model": {"depth": 1}, "optimizer": {"name": "adam", "beta1": @}}]};0 0.999999;1 -0.1
beta2;\`optimizer.beta2\` | number in [0, 1);{$D, "runs": [{"model": {"depth": 1}, "optimizer": {"name": "adam", "beta2": @}}]};0 0.999999;1 -0.1
EOF

finish test_bad_input
