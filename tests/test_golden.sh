#!/usr/bin/env bash
# Golden curves: fresh runs of tests/golden/configs/*.json must match the
# committed curves in tests/golden/<name>/ (made by scripts/make-golden.sh)
# exactly (rtol 0, atol 0: every golden has one output, whose bytes do not
# depend on the machine), so a change in numerics fails CI with the place
# where the curves part. The golden files are themselves checked against
# independent references: the toy run against its closed form, and each
# Eq. 12 run against its deep network (Theorem 1, within 5e-3).
# Also: `overparam compare` on agreeing, differing and mismatched inputs.
# usage: test_golden.sh OVERPARAM_BINARY SOURCE_DIR
set -u
bin="$1"
src=$(cd "$2" && pwd)
. "$src/tests/lib.sh"
golden="$src/tests/golden"

# Sanity of the golden files themselves.
# (20 steps: the residual stays above 1e-2, so rounding in w - y costs
# less than 1e-13 of L; tolerance 1e-12 relative.)
awk -F, 'NR > 1 { want = 0.25 * 9.25 * (0.75 ^ (2 * $1)); d = $2 - want; if (d < 0) d = -d;
	if (d > 1e-12 * want) bad = 1 } END { exit bad }' "$golden/toy_gd/runs/01-gd.csv" &&
	ok || bad "golden toy_gd is not the closed form"
# gas_l4 starts from W_e of norm ~1e-3, so its first loss is within 1e-2 of
# mean(z^4)/4 over the standardized Ethanol labels of batches 1-3, counted
# here by awk from the data files (catches a wrong p or wrong rows).
data="$src/data/gas-drift"
if [ -f "$data/batch1.dat" ]; then
	want=$(cat "$data/batch1.dat" "$data/batch2.dat" "$data/batch3.dat" | awk '
		{ split($1, a, ";"); if (a[1] == 1) { y[n++] = a[2] } }
		END { for (i = 0; i < n; i++) s += y[i]; mu = s / n
		      for (i = 0; i < n; i++) v += (y[i] - mu) ^ 2; sd = sqrt(v / n)
		      for (i = 0; i < n; i++) q += ((y[i] - mu) / sd) ^ 4; printf "%.10g", q / n / 4 }')
	got=$(awk -F, 'NR == 2 { print $2 }' "$golden/gas_l4/runs/01-depth-2-width-1.csv")
	awk -v g="$got" -v w="$want" 'BEGIN { d = (g - w) / w; if (d < 0) d = -d; exit d > 1e-2 }' &&
		ok || bad "golden gas_l4: first loss $got is not mean(z^4)/4 = $want of the data"
fi
for pair in "gas_l4 01 02" "gas_l4 03 04" "synthetic_l4 01 02"; do
	set -- $pair
	paste -d, "$golden/$1/runs/$2-"*.csv "$golden/$1/runs/$3-"*.csv | awk -F, '
		NR > 1 { r = ($2 - $6) / $6; if (r < 0) r = -r; if (r > w) w = r } END { exit w > 5e-3 }' &&
		ok || bad "golden $1: runs $2 and $3 do not track within 5e-3"
done

# Fresh runs against the golden curves.
for cfg in "$golden"/configs/*.json; do
	name=$(basename "$cfg" .json)
	if ! "$bin" run "$cfg" -o "$tmp/$name" --no-plot --quiet 2> "$tmp/err"; then
		bad "run $name: $(cat "$tmp/err")"
		continue
	fi
	# One output: the bytes are promised on any machine (README, "Same
	# curves on every machine"), so no tolerance at all.
	if "$bin" compare "$golden/$name" "$tmp/$name" --rtol 0 --atol 0 > "$tmp/out" 2>&1; then
		ok
	else
		bad "$name differs from its golden curves: $(cat "$tmp/out")"
	fi
done

# compare itself: beyond tolerance, NaN handling, mismatched inputs.
g="$golden/toy_gd/runs/01-gd.csv"
sed '3s/^2,[^,]*,/2,0.5,/' "$g" > "$tmp/changed.csv"
"$bin" compare "$g" "$tmp/changed.csv" > "$tmp/out" 2>&1
[ $? = 1 ] && grep -q "part at csv, iteration 2, column 'loss'" "$tmp/out" && ok || bad "compare: changed value"
"$bin" compare "$g" "$tmp/changed.csv" --rtol 10 > /dev/null 2>&1 && ok || bad "compare: loose rtol"
"$bin" compare "$g" "$tmp/changed.csv" --columns we_norm > /dev/null 2>&1 && ok || bad "compare: other column"
sed '3s/^2,[^,]*,/2,nan,/' "$g" > "$tmp/nan1.csv"
"$bin" compare "$g" "$tmp/nan1.csv" > /dev/null 2>&1
[ $? = 1 ] && ok || bad "compare: NaN against a number must differ"
"$bin" compare "$tmp/nan1.csv" "$tmp/nan1.csv" > /dev/null 2>&1 && ok || bad "compare: NaN agrees with NaN"
head -5 "$g" > "$tmp/short.csv"
"$bin" compare "$g" "$tmp/short.csv" > /dev/null 2> "$tmp/err"
[ $? = 2 ] && grep -q "shapes differ" "$tmp/err" && ok || bad "compare: shape mismatch is exit 2"
"$bin" compare "$g" "$g" --columns nope > /dev/null 2> "$tmp/err"
[ $? = 2 ] && grep -q "no column 'nope'" "$tmp/err" && ok || bad "compare: missing column is exit 2"
"$bin" compare "$golden/toy_gd" "$golden/gas_l4" > /dev/null 2> "$tmp/err"
[ $? = 2 ] && grep -q "is missing from\|is not in" "$tmp/err" && ok || bad "compare: missing runs is exit 2"
"$bin" compare "$golden/toy_gd" "$g" > /dev/null 2> "$tmp/err"
[ $? = 2 ] && ok || bad "compare: directory against file is exit 2"
"$bin" compare "$g" "$tmp/none.csv" > /dev/null 2> "$tmp/err"
[ $? = 2 ] && grep -q "cannot open" "$tmp/err" && ok || bad "compare: missing file is exit 2"

finish test_golden
