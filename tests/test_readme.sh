#!/usr/bin/env bash
# The README's reproduction numbers are the committed report's
# (tests/reports/reproduce.md), not typed by hand: scripts/readme-numbers.sh
# --check fails when they differ. Also checks that it catches a change, and
# that every function the paper-to-code table names is defined in the file
# it names.
# usage: test_readme.sh SOURCE_DIR
set -u
src=$(cd "$1" && pwd)
. "$src/tests/lib.sh"
bash "$src/scripts/readme-numbers.sh" --check > "$tmp/out" 2>&1 && ok || bad "$(cat "$tmp/out")"
# A copy of the tree whose README says one more claim holds must fail.
mkdir -p "$tmp/tree/scripts" "$tmp/tree/tests/reports"
cp "$src/scripts/readme-numbers.sh" "$tmp/tree/scripts/"
cp "$src/tests/reports/reproduce.md" "$tmp/tree/tests/reports/"
sed -E 's/^([0-9]+) of ([0-9]+) claims hold\.$/99 of \2 claims hold./' "$src/README.md" > "$tmp/tree/README.md"
bash "$tmp/tree/scripts/readme-numbers.sh" --check > /dev/null 2>&1 && bad "a README with other numbers passed the check" || ok
# The paper-to-code table: `name` (`src/file`) pairs, each a definition.
pairs=$(sed -n '/^From the paper to the code:/,/^Dependencies/p' "$src/README.md" |
	grep -o '`[a-z_0-9]*`[^`]*(`src/[a-z_0-9]*\.[ch]`' | sed -E 's/^`([a-z_0-9]*)`.*`(src\/[^`]*)`$/\1 \2/')
[ "$(echo "$pairs" | wc -l)" -ge 10 ] && ok || bad "paper-to-code table: too few function/file pairs: $pairs"
while read -r fn file; do
	grep -Eq "^[a-z].*[ *]$fn\(|^static .*[ *]FN\($fn\)\(|^[a-z].*[ *]$fn\(" "$src/$file" && ok ||
		bad "README paper-to-code table: '$fn' is not defined in $file"
done <<< "$pairs"
finish test_readme
