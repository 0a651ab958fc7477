#!/usr/bin/env bash
# The README's reproduction numbers are the committed report's
# (tests/reports/reproduce.md), not typed by hand: scripts/readme-numbers.sh
# --check fails when they differ. Also checks that it catches a change, and
# that every function the paper-to-code table names is defined in the file
# it names, that the module map names every src/ module, and that every key-table row `overparam keys` prints is in the
# README's config reference as printed.
# usage: test_readme.sh SOURCE_DIR OVERPARAM_BIN
set -u
src=$(cd "$1" && pwd)
bin=$2
. "$src/tests/lib.sh"
bash "$src/scripts/readme-numbers.sh" --check > "$tmp/out" 2>&1 && ok || bad "$(cat "$tmp/out")"
# A copy of the tree whose README says one more claim holds must fail.
mkdir -p "$tmp/tree/scripts" "$tmp/tree/tests/reports"
cp "$src/scripts/readme-numbers.sh" "$tmp/tree/scripts/"
cp "$src/tests/reports/reproduce.md" "$src/tests/reports/test-times.md" "$tmp/tree/tests/reports/"
sed -E "s/^(- The paper's statements: [0-9]+; reproduced )[0-9]+,/\199,/" "$src/README.md" > "$tmp/tree/README.md"
cmp -s "$tmp/tree/README.md" "$src/README.md" && bad "the planted claims change did not apply" || ok
bash "$tmp/tree/scripts/readme-numbers.sh" --check > /dev/null 2>&1 && bad "a README with other numbers passed the check" || ok
# The same for the test tiers' times (tests/reports/test-times.md).
sed -E 's/^- fast: [0-9]+ s;/- fast: 9999 s;/' "$src/README.md" > "$tmp/tree/README.md"
cmp -s "$tmp/tree/README.md" "$src/README.md" && bad "the planted test-times change did not apply" || ok
bash "$tmp/tree/scripts/readme-numbers.sh" --check > /dev/null 2>&1 && bad "a README with other test times passed the check" || ok
# The module map names every module of src/ (a new file cannot go unlisted).
map=$(sed -n '/^Modules of `src\/` by role/,/^From the paper to the code:/p' "$src/README.md")
for f in "$src"/src/*.c; do
	m=$(basename "$f" .c)
	case "$m" in kernels_*) continue ;; esac # listed as kernels' builds
	grep -q "\`$m\`" <<< "$map" && ok || bad "README's module map does not name '$m' (src/$m.c)"
done
# The paper-to-code table: `name` (`src/file`) pairs, each a definition.
pairs=$(sed -n '/^From the paper to the code:/,/^Dependencies/p' "$src/README.md" |
	grep -o '`[a-z_0-9]*`[^`]*(`src/[a-z_0-9]*\.[ch]`' | sed -E 's/^`([a-z_0-9]*)`.*`(src\/[^`]*)`$/\1 \2/')
[ "$(echo "$pairs" | wc -l)" -ge 10 ] && ok || bad "paper-to-code table: too few function/file pairs: $pairs"
while read -r fn file; do
	grep -Eq "^[a-z].*[ *]$fn\(|^static .*[ *]FN\($fn\)\(|^[a-z].*[ *]$fn\(" "$src/$file" && ok ||
		bad "README paper-to-code table: '$fn' is not defined in $file"
done <<< "$pairs"
# The config reference: each row printed from the key tables, verbatim.
"$bin" keys > "$tmp/keys" 2>&1 || bad "overparam keys failed: $(cat "$tmp/keys")"
[ "$(grep -c '^| `' "$tmp/keys")" -ge 40 ] && ok || bad "overparam keys printed too few rows"
grep -c '^## ' "$tmp/keys" | grep -qx 2 && ok || bad "overparam keys: not two sections (linear, convnet)"
while IFS= read -r row; do
	grep -qxF -- "$row" "$src/README.md" && ok || bad "README lacks the key row: $row"
done < <(grep '^| ' "$tmp/keys")
# A README with a row changed (a default typed by hand) must fail.
sed 's/^| `train.log_every` | integer 1..1e9 | 10 |/| `train.log_every` | integer 1..1e9 | 20 |/' "$src/README.md" > "$tmp/readme"
cmp -s "$tmp/readme" "$src/README.md" && bad "the planted README change did not apply" || ok
grep -qxF -- "$(grep '^| `train.log_every`' "$tmp/keys")" "$tmp/readme" && bad "a changed default passed" || ok
finish test_readme
