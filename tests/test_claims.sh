#!/usr/bin/env bash
# Claims, known answers: `overparam report` on a run directory written
# here by hand (summary.csv, run CSVs, metadata.json with claims), whose
# curves make every verdict computable on paper:
#   A: loss 1, 0.5, 0.25, 0.1 at iterations 0, 100, 200, 300; ce 1, .9, .8, .7
#   B: loss 1, 0.8, 0.6, 0.4;                                 ce 1, .5, .3, .2
#   C: A's losses x 1.005 (within the 1e-2 of 'tracks')
#   D: 1, 0.999, 0.998, 0.995 (stalled: not 1% below its start)
#   E: diverged, no winner
# Level of A vs B = 0.4 (the larger final loss): A reaches it at 200, B at
# 300: A is 1.5x as fast (>= 1.25: faster). Tail means (last tenth of 4
# rows = the last row): loss A 0.1, B 0.4 (A 4x lower); ce A 0.7, B 0.2.
# Every expectation, a target no run reaches, a column that does not
# exist, a group without a winner; and an unknown expect in metadata.json
# is an error (exit 2), not a guess.
# usage: test_claims.sh OVERPARAM_BINARY SOURCE_DIR
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
. "$src/tests/lib.sh"
d="$tmp/claims"
mkdir -p "$d/runs"
curve() { # curve NAME l0 l1 l2 l3 [ce0 ce1 ce2 ce3]
	local name="$1"
	shift
	{
		echo "iteration,loss,ce"
		local i=0
		for it in 0 100 200 300; do
			local l ce
			l=$(echo "$@" | cut -d' ' -f$((i + 1)))
			ce=$(echo "$@" | cut -d' ' -f$((i + 5)))
			echo "$it,$l,${ce:-$l}"
			i=$((i + 1))
		done
	} > "$d/runs/$name.csv"
}
curve a 1 0.5 0.25 0.1 1 0.9 0.8 0.7
curve b 1 0.8 0.6 0.4 1 0.5 0.3 0.2
curve c 1.005 0.5025 0.25125 0.1005
curve d 1 0.999 0.998 0.995
printf 'iteration,loss,ce\n0,1,1\n1,1e9,1e9\n' > "$d/runs/e.csv"
{
	echo "index,label,group,grid_point,model,status,last_iter,diverged_at,reached_at,initial_loss,final_loss,min_loss,selected,csv"
	echo "1,A,A,,deep,ok,300,-1,-1,1,0.1,0.1,1,runs/a.csv"
	echo "2,B,B,,deep,ok,300,-1,-1,1,0.4,0.4,1,runs/b.csv"
	echo "3,C,C,,deep,ok,300,-1,-1,1.005,0.1005,0.1005,1,runs/c.csv"
	echo "4,D,D,,deep,ok,300,-1,-1,1,0.995,0.995,1,runs/d.csv"
	echo "5,E,E,,deep,diverged,1,1,-1,1,1e9,1,0,runs/e.csv"
} > "$d/summary.csv"
claim() { printf '{"text": "%s", "a": "%s", "b": "%s", "expect": "%s"%s}' "$1" "$2" "$3" "$4" "${5:-}"; }
{
	echo '{"plot": {"title": "known answers"}, "claims": ['
	claim "k1 A faster than B" A B faster; echo ,
	claim "k2 B faster than A" B A faster; echo ,
	claim "k3 B slower than A" B A slower; echo ,
	claim "k4 A similar to B" A B similar; echo ,
	claim "k5 B not faster than A" B A not_faster; echo ,
	claim "k6 A not faster than B" A B not_faster; echo ,
	claim "k7 C tracks A" C A tracks; echo ,
	claim "k8 B tracks A" B A tracks; echo ,
	claim "k9 A faster than stalled D" A D faster; echo ,
	claim "k10 stalled D faster than A" D A faster; echo ,
	claim "k11 A faster than B to 0.05" A B faster ', "target": 0.05'; echo ,
	claim "k12 A faster than B to 0.45" A B faster ', "target": 0.45'; echo ,
	claim "k13 A lower than B" A B lower; echo ,
	claim "k14 B lower than A" B A lower; echo ,
	claim "k15 A lower than B in ce" A B lower ', "column": "ce"'; echo ,
	claim "k16 B lower than A in ce" B A lower ', "column": "ce"'; echo ,
	claim "k17 A faster than B in nope" A B faster ', "column": "nope"'; echo ,
	claim "k18 A faster than diverged E" A E faster
	echo ']}'
} > "$d/metadata.json"
expect_rc 0 "report" "$bin" report "$d" -o "$tmp/report.md"
verdict() { # verdict KEY WANT (holds | does not hold | not checked)
	grep -q "^- \*\*$2\*\* (expected: [a-z_]*) $1 " "$tmp/report.md" && ok ||
		bad "$1: want '$2', got: $(grep -m1 " $1:" "$tmp/report.md")"
}
verdict k1 holds
verdict k2 "does not hold"
verdict k3 holds
verdict k4 "does not hold"
verdict k5 holds
verdict k6 "does not hold"
verdict k7 holds
verdict k8 "does not hold"
verdict k9 holds
verdict k10 "does not hold"
verdict k11 "does not hold"
verdict k12 holds
verdict k13 holds
verdict k14 "does not hold"
verdict k15 "does not hold"
verdict k16 holds
verdict k17 "not checked"
verdict k18 "not checked"
grep -q "k1 A faster than B: 'A' reaches loss 0.4 at iteration 200, 'B' at iteration 300: 'A' is 1.50x as fast" "$tmp/report.md" && ok ||
	bad "k1 numbers: $(grep -m1 ' k1 ' "$tmp/report.md")"
grep -q "k16 B lower than A in ce: mean ce over the last tenth of the logged rows: 'B' 0.2, 'A' 0.7 ('B' 3.50x lower)" "$tmp/report.md" && ok ||
	bad "k16 numbers: $(grep -m1 ' k16 ' "$tmp/report.md")"
grep -q "^8 of 18 claims hold" "$tmp/report.md" && ok || bad "claim count: $(grep "claims hold" "$tmp/report.md")"
# An expectation this version does not know is an error, not a guess.
sed -i 's/"expect": "faster"}/"expect": "quicker"}/' "$d/metadata.json"
expect_rc 2 "unknown expect" "$bin" report "$d" -o "$tmp/r2.md"
grep -q "metadata.json: claims\[0\].expect: unknown 'quicker'" "$tmp/err" && ok || bad "unknown expect message: $(cat "$tmp/err")"
finish test_claims
