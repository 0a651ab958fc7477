#!/usr/bin/env bash
# Claims, known answers: `overparam report` on a run directory written
# here by hand (summary.csv, run CSVs, metadata.json with claims), whose
# curves make every verdict computable on paper:
#   A: loss 1, 0.5, 0.25, 0.1 at iterations 0, 100, 200, 300; ce 1, .9, .8, .7
#   B: loss 1, 0.8, 0.6, 0.4;                                 ce 1, .5, .3, .2
#   C: A's losses x 1.005 (within the 1e-2 of 'tracks')
#   D: 1, 0.999, 0.998, 0.995 (never moved: not 1% below its start)
#   E: diverged, no winner
#   P: 1, 0.5, 0.3, 0.1 and Q: 1, 0.6, 0.3, 0.1 (P faster early only)
#   R: A's curve exactly (the same run twice)
# No floor in the metadata, so L* = the lowest final loss of the figure,
# 0.1, and with L(0) = 1 the levels L* + eps (L(0) - L*) are 0.55, 0.19,
# 0.109 and 0.1009. A reaches them at 100, 300, 300, 300; B reaches 0.55
# at 300 and no other: A is 3x as fast at the first and alone at the rest
# (faster at every level: reproduced). P vs Q: 0.55 at 100 vs 200 (2x),
# 0.19 at 300 vs 300 (1x): partly. Tail means (last tenth of 4 rows = the
# last row): loss A 0.1, B 0.4 (A 4x lower); ce A 0.7, B 0.2. A falls
# below 0.99 L(0) at 100 (its escape); D never. Every expectation, a
# target no run reaches (inconclusive), a column that does not exist and a
# group without a winner (not checked), a run that never moved and a run
# compared with itself (cannot fail here), an extra check counted apart;
# replicates that disagree (inconclusive); the data's floor used as L*
# when the metadata has one; and an unknown expect in metadata.json is an
# error (exit 2), not a guess.
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
curve p 1 0.5 0.3 0.1
curve q 1 0.6 0.3 0.1
curve r 1 0.5 0.25 0.1 1 0.9 0.8 0.7
{
	echo "index,label,group,grid_point,model,status,last_iter,diverged_at,reached_at,initial_loss,final_loss,min_loss,selected,csv"
	echo "1,A,A,,deep,ok,300,-1,-1,1,0.1,0.1,1,runs/a.csv"
	echo "2,B,B,,deep,ok,300,-1,-1,1,0.4,0.4,1,runs/b.csv"
	echo "3,C,C,,deep,ok,300,-1,-1,1.005,0.1005,0.1005,1,runs/c.csv"
	echo "4,D,D,,deep,ok,300,-1,-1,1,0.995,0.995,1,runs/d.csv"
	echo "5,E,E,,deep,diverged,1,1,-1,1,1e9,1,0,runs/e.csv"
	echo "6,P,P,,deep,ok,300,-1,-1,1,0.1,0.1,1,runs/p.csv"
	echo "7,Q,Q,,deep,ok,300,-1,-1,1,0.1,0.1,1,runs/q.csv"
	echo "8,R,R,,deep,ok,300,-1,-1,1,0.1,0.1,1,runs/r.csv"
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
	claim "k18 A faster than diverged E" A E faster; echo ,
	claim "k19 P faster than Q" P Q faster; echo ,
	claim "k20 R similar to A" R A similar; echo ,
	claim "k21 A escapes in 50..150" A B escapes ', "after": 50, "before": 150'; echo ,
	claim "k22 A escapes in 150..250" A B escapes ', "after": 150, "before": 250'; echo ,
	claim "k23 D stuck" D A stuck; echo ,
	claim "k24 D escapes" D A escapes ', "after": 1'; echo ,
	claim "k25 A stuck" A B stuck; echo ,
	claim "k26 A faster than B, our own" A B faster ', "extra": true'; echo ,
	claim "k27 C faster than A" C A faster
	echo ']}'
} > "$d/metadata.json"
expect_rc 0 "report" "$bin" report "$d" -o "$tmp/report.md"
verdict() { # verdict KEY WANT (a verdict word)
	grep -q "^- \*\*$2\*\* (expected: [a-z_]*) \((extra) \)\?$1 " "$tmp/report.md" && ok ||
		bad "$1: want '$2', got: $(grep -m1 " $1 " "$tmp/report.md")"
}
verdict k1 reproduced
verdict k2 "not reproduced"
verdict k3 reproduced
verdict k4 "not reproduced"
verdict k5 reproduced
verdict k6 "not reproduced"
verdict k7 reproduced
verdict k8 "not reproduced"
verdict k9 "cannot fail here"
verdict k10 "cannot fail here"
verdict k11 inconclusive
verdict k12 reproduced
verdict k13 reproduced
verdict k14 "not reproduced"
verdict k15 "not reproduced"
verdict k16 reproduced
verdict k17 "not checked"
verdict k18 "not checked"
verdict k19 partly
verdict k20 "cannot fail here"
verdict k21 reproduced
verdict k22 partly
verdict k23 reproduced
verdict k24 "not reproduced"
verdict k25 "not reproduced"
verdict k26 reproduced
grep -qF "k1 A faster than B: iterations to L* + eps (L(0) - L*), 'A' vs 'B' (L* = 0.1, the lowest final value of the figure; L(0) = 1): eps 0.5: 100 vs 300 (3.00x); eps 0.1: only 'A' (at 300); eps 0.01: only 'A' (at 300); eps 0.001: only 'A' (at 300)" "$tmp/report.md" && ok ||
	bad "k1 numbers: $(grep -m1 ' k1 ' "$tmp/report.md")"
grep -qF "k19 P faster than Q: iterations to L* + eps (L(0) - L*), 'P' vs 'Q' (L* = 0.1, the lowest final value of the figure; L(0) = 1): eps 0.5: 100 vs 200 (2.00x); eps 0.1: 300 vs 300 (1.00x); eps 0.01: 300 vs 300 (1.00x); eps 0.001: 300 vs 300 (1.00x); eps 0.0001: 300 vs 300 (1.00x); eps 1e-06: 300 vs 300 (1.00x); eps 1e-08: 300 vs 300 (1.00x); holds at eps 0.5, not at eps 0.1, eps 0.01, eps 0.001, eps 0.0001, eps 1e-06, eps 1e-08" "$tmp/report.md" && ok ||
	bad "k19 numbers: $(grep -m1 ' k19 ' "$tmp/report.md")"
# The summary table's numbers column: the speed-up at each level.
grep -qF "| known answers | k1 A faster than B | reproduced | speed-up by eps: 0.5 3.00x, 0.1 only a, 0.01 only a, 0.001 only a, 0.0001 only a, 1e-06 only a, 1e-08 only a |" "$tmp/report.md" && ok ||
	bad "k1 table row: $(grep -m1 '| k1 ' "$tmp/report.md")"
grep -qF "| known answers | k9 A faster than stalled D | **cannot fail here** | 'D' never moved |" "$tmp/report.md" && ok ||
	bad "k9 table row: $(grep -m1 '| k9 ' "$tmp/report.md")"
# ... and its why column: empty for reproduced; the levels where a partly
# claim holds and fails in every replicate; why a claim cannot fail.
grep -qF "| known answers | k1 A faster than B | reproduced | speed-up by eps: 0.5 3.00x, 0.1 only a, 0.01 only a, 0.001 only a, 0.0001 only a, 1e-06 only a, 1e-08 only a |  |" "$tmp/report.md" && ok ||
	bad "k1 why: $(grep -m1 '| k1 ' "$tmp/report.md")"
grep -qF "| k19 P faster than Q | **partly** | speed-up by eps: 0.5 2.00x, 0.1 1.00x, 0.01 1.00x, 0.001 1.00x, 0.0001 1.00x, 1e-06 1.00x, 1e-08 1.00x | holds at eps 0.5; fails at eps 0.1, 0.01, 0.001, 0.0001, 1e-06, 1e-08 |" "$tmp/report.md" && ok ||
	bad "k19 why: $(grep -m1 '| k19 ' "$tmp/report.md")"
grep -qF "| k9 A faster than stalled D | **cannot fail here** | 'D' never moved | 'D' never moved |" "$tmp/report.md" && ok ||
	bad "k9 why: $(grep -m1 '| k9 ' "$tmp/report.md")"
grep -qF "k9 A faster than stalled D: 'D' never moved: its loss stays within 1% of its start (1)" "$tmp/report.md" && ok ||
	bad "k9 reason: $(grep -m1 ' k9 ' "$tmp/report.md")"
grep -qF "k20 R similar to A: 'R' and 'A' are the same curve" "$tmp/report.md" && ok ||
	bad "k20 reason: $(grep -m1 ' k20 ' "$tmp/report.md")"
grep -q "k16 B lower than A in ce: mean ce over the last tenth of the logged rows: 'B' 0.2, 'A' 0.7 ('B' 3.50x lower)" "$tmp/report.md" && ok ||
	bad "k16 numbers: $(grep -m1 ' k16 ' "$tmp/report.md")"
# A level both runs reach at their first logged row is not resolved by the
# logging: C and A both pass 0.55 at iteration 100 (not judged); at 0.19
# both at 300 (1.00x, judged): not reproduced.
verdict k27 "not reproduced"
grep -qF "k27 C faster than A: iterations to L* + eps (L(0) - L*), 'C' vs 'A' (L* = 0.1, the lowest final value of the figure; L(0) = 1.005): eps 0.5: both at the first logged row (100), not resolved; eps 0.1: 300 vs 300 (1.00x)" "$tmp/report.md" && ok ||
	bad "k27 numbers: $(grep -m1 ' k27 ' "$tmp/report.md")"
# The paper's statements (26) and the extra check (1), counted apart.
grep -qx "The paper's statements: 26; reproduced 9, partly 2, not reproduced 9, inconclusive 1, cannot fail here 3, not checked 2." "$tmp/report.md" && ok ||
	bad "headline: $(grep "statements" "$tmp/report.md")"
grep -qx "Our extra checks (not the paper's, counted apart): 1; reproduced 1, partly 0, not reproduced 0, inconclusive 0, cannot fail here 0, not checked 0." "$tmp/report.md" && ok ||
	bad "extra headline: $(grep "extra checks" "$tmp/report.md")"
# The data's floor, where the metadata has one, is L*: at 0.05 the levels
# are 0.525, 0.145, 0.0595, 0.05095, and A reaches the first two only.
mkdir -p "$tmp/floor"
cp -r "$d/runs" "$d/summary.csv" "$tmp/floor/"
{ echo '{"data": {"loss_floor": {"value": 0.05}}, "claims": ['; claim "f1 A faster than B" A B faster; echo ']}'; } > "$tmp/floor/metadata.json"
expect_rc 0 "report with a floor" "$bin" report "$tmp/floor" -o "$tmp/floor.md"
grep -qF "(L* = 0.05, the data's l_p floor; L(0) = 1): eps 0.5: 100 vs 300 (3.00x); eps 0.1: only 'A' (at 300); eps 0.01: neither; eps 0.001: neither" "$tmp/floor.md" && ok ||
	bad "floor as L*: $(grep -m1 ' f1 ' "$tmp/floor.md")"
# Replicates: A beats B in replicate 1, B beats A in replicate 2: the
# replicates disagree (inconclusive), with the speed-up's range.
mkdir -p "$tmp/rep/runs"
cp "$d/runs/a.csv" "$d/runs/b.csv" "$tmp/rep/runs/"
cp "$d/runs/a.csv" "$tmp/rep/runs/b2.csv"
cp "$d/runs/b.csv" "$tmp/rep/runs/a2.csv"
{
	echo "index,label,group,grid_point,model,status,last_iter,diverged_at,reached_at,initial_loss,final_loss,min_loss,selected,csv,replicate"
	echo "1,A,A,,deep,ok,300,-1,-1,1,0.1,0.1,1,runs/a.csv,1"
	echo "2,B,B,,deep,ok,300,-1,-1,1,0.4,0.4,1,runs/b.csv,1"
	echo "3,A,A,,deep,ok,300,-1,-1,1,0.4,0.4,1,runs/a2.csv,2"
	echo "4,B,B,,deep,ok,300,-1,-1,1,0.1,0.1,1,runs/b2.csv,2"
} > "$tmp/rep/summary.csv"
{ echo '{"claims": ['; claim "r1 A faster than B" A B faster; echo ']}'; } > "$tmp/rep/metadata.json"
expect_rc 0 "report over replicates" "$bin" report "$tmp/rep" -o "$tmp/rep.md"
grep -qF -- "- **inconclusive** (expected: faster) r1 A faster than B: 2 replicates: 1 reproduced, 1 not reproduced; speed-up over replicates at eps 0.5 0.33x-3.00x, eps 0.1 0.00x-inf" "$tmp/rep.md" && ok ||
	bad "replicates that disagree: $(grep -m1 ' r1 ' "$tmp/rep.md")"
grep -qF "| r1 A faster than B | **inconclusive** | speed-up by eps: 0.5 0.33x to 3.00x, 0.1 only b to only a, 0.01 only b to only a, 0.001 only b to only a, 0.0001 only b to only a, 1e-06 only b to only a, 1e-08 only b to only a | the replicates disagree: 1 reproduced, 1 not reproduced |" "$tmp/rep.md" && ok ||
	bad "r1 why: $(grep -m1 '| r1 ' "$tmp/rep.md")"
# An expectation this version does not know is an error, not a guess.
sed -i '0,/"expect": "faster"}/s//"expect": "quicker"}/' "$d/metadata.json"
expect_rc 2 "unknown expect" "$bin" report "$d" -o "$tmp/r2.md"
grep -q "metadata.json: claims\[0\].expect: unknown 'quicker'" "$tmp/err" && ok || bad "unknown expect message: $(cat "$tmp/err")"
finish test_claims
