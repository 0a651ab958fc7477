#!/usr/bin/env bash
# Chaos: every kind of file a run directory holds, damaged in every way that
# matters, under every command that reads a directory back. Each pair must
# be refused with exit 2 and a message naming what was damaged, and must
# leave the damaged directory exactly as it was (no half-written output,
# no repair behind the user's back). The damages: a run CSV with a middle
# row changed, its last row cut, or deleted; a final weight with a byte
# changed, or deleted; summary.csv with a loss changed or deleted;
# metadata.json cut or deleted; SHA256SUMS deleted or garbled; config.json
# changed (for the commands that check it); and in an interrupted
# directory, each checkpoint file changed or deleted. The commands: report,
# plot, compare, merge (the damaged directory as a shard), run --resume,
# run --continue and run --init-from (the damaged directory as the source).
# usage: test_chaos.sh OVERPARAM_BINARY SOURCE_DIR
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
. "$src/tests/lib.sh"

cat > "$tmp/c.json" <<'JSON'
{"data": {"source": "synthetic", "m": 50, "d": 4, "noise": 0.1}, "loss": {"p": 4},
 "train": {"iterations": 300, "log_every": 50},
 "runs": [{"label": "g", "model": {"depth": 2, "width": 2},
           "optimizer": {"name": "momentum", "lr": [1e-3, 1e-2], "momentum": 0.9}}]}
JSON
q=(--quiet --no-plot)
"$bin" run "$tmp/c.json" -o "$tmp/whole" "${q[@]}" 2> /dev/null || bad "fixture: the run failed"
for k in 1 2; do
	"$bin" run "$tmp/c.json" --shard $k/2 -o "$tmp/s$k" "${q[@]}" 2> /dev/null || bad "fixture: shard $k failed"
done
OVERPARAM_TEST_RAISE=INT@150 "$bin" run "$tmp/c.json" -o "$tmp/int" "${q[@]}" --checkpoint-every -1 2> /dev/null
[ $? = 1 ] && ok || bad "fixture: the run was not interrupted"
csv=runs/01-g-lr-0-001.csv
w=weights/01-g-lr-0-001/final/W1.npy
ck=weights/01-g-lr-0-001/checkpoint
for f in "$csv" "$w" summary.csv metadata.json SHA256SUMS config.json; do
	[ -s "$tmp/whole/$f" ] && ok || bad "fixture: no $f"
done
[ -s "$tmp/int/$ck/state.txt" ] && ok || bad "fixture: no checkpoint"

flip() { printf '\001' | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
# damage NAME: applied in the current directory (a copy); its message part
damage() {
	case "$1" in
	csv-row) sed -i '4s/^\([0-9]*\),\([0-9]\)/\1,9/' "$csv" ;;
	csv-cut) sed -i '$d' "$csv" ;;
	csv-first) sed -i '2d' "$csv" ;; # a row a resume reads
	csv-gone) rm "$csv" ;;
	weight-byte) flip "$w" 150 ;;
	weight-gone) rm "$w" ;;
	summary-loss) sed -i '2s/^\(\([^,]*,\)\{19\}\)\([0-9]\)/\19/' summary.csv ;;
	summary-gone) rm summary.csv ;;
	metadata-cut) truncate -s 100 metadata.json ;;
	metadata-gone) rm metadata.json ;;
	sums-gone) rm SHA256SUMS ;;
	sums-garbled) echo "not a digest line" >> SHA256SUMS ;;
	config-edit) sed -i 's/"iterations": 300/"iterations": 301/' config.json ;;
	ck-state) sed -i 's/^t \([0-9]*\)$/t 100/' "$ck/state.txt" ;;
	ck-params) flip "$ck/params.npy" 140 ;;
	ck-opt-gone) rm "$ck/opt_a.npy" ;;
	esac
}
# what the message must name for each damage
named() {
	case "$1" in
	csv-*) echo "01-g-lr-0-001.csv" ;;
	weight-*) echo "W1.npy" ;;
	summary-*) echo "summary.csv" ;;
	metadata-*) echo "metadata.json" ;;
	sums-*) echo "SHA256SUMS" ;;
	config-edit) echo "differs from the config it was started with" ;;
	ck-state) echo "state.txt" ;;
	ck-params) echo "params.npy" ;;
	ck-opt-gone) echo "opt_a.npy" ;;
	esac
}
tree_sum() { (cd "$1" && find . -type f | LC_ALL=C sort | xargs sha256sum); }

# attack BASE DAMAGE COMMAND: a copy of BASE damaged, the command run on it
attack() {
	local base="$1" dmg="$2" cmd="$3" d="$tmp/d" out="$tmp/o"
	rm -rf "$d" "$out" "$tmp/o2"
	cp -r "$tmp/$base" "$d"
	(cd "$d" && damage "$dmg")
	local before
	before=$(tree_sum "$d")
	case "$cmd" in
	report) expect_rc 2 "$dmg: $cmd" "$bin" report "$d" -o "$out" ;;
	plot) expect_rc 2 "$dmg: $cmd" "$bin" plot "$d" ;;
	compare) expect_rc 2 "$dmg: $cmd" "$bin" compare "$tmp/whole" "$d" --rtol 0 --atol 0 ;;
	merge) expect_rc 2 "$dmg: $cmd" "$bin" merge "$d" "$tmp/s2" -o "$out" --quiet --no-plot ;;
	resume) expect_rc 2 "$dmg: $cmd" "$bin" run "$tmp/c.json" -o "$d" "${q[@]}" --resume ;;
	continue) expect_rc 2 "$dmg: $cmd" "$bin" run "$tmp/c.json" -o "$d" "${q[@]}" --continue ;;
	init-from) expect_rc 2 "$dmg: $cmd" "$bin" run "$tmp/c.json" -o "$out" "${q[@]}" --init-from "$d" ;;
	esac
	grep -qF "$(named "$dmg")" "$tmp/err" && ok || bad "$dmg: $cmd: the message does not name $(named "$dmg"): $(cat "$tmp/err")"
	[ "$(tree_sum "$d")" = "$before" ] && ok || bad "$dmg: $cmd: the damaged directory was changed"
	[ ! -e "$out" ] && ok || bad "$dmg: $cmd: wrote output"
}

# A complete directory (a shard of it for merge): every damage, every command.
for dmg in csv-row csv-cut csv-gone weight-byte weight-gone summary-loss summary-gone \
	metadata-cut metadata-gone sums-gone sums-garbled; do
	for cmd in report plot compare resume continue init-from; do
		attack whole "$dmg" "$cmd"
	done
	attack s1 "$dmg" merge
done
# config.json is what --resume and --continue check it against.
for cmd in resume continue; do
	attack whole config-edit "$cmd"
	attack int config-edit "$cmd"
done
# An interrupted directory: the checkpoint's files, the rows before it.
# (Its last row, at the checkpoint's iteration, is written again by the
# resume: cutting it is no damage, and the resume goes on.)
for dmg in ck-state ck-params ck-opt-gone csv-first metadata-cut sums-garbled; do
	for cmd in resume continue; do
		attack int "$dmg" "$cmd"
	done
done
finish test_chaos
