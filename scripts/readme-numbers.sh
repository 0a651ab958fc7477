#!/usr/bin/env bash
# readme-numbers.sh: the README's measured numbers come from committed
# reports, never by hand. It writes two blocks of README.md, each between
# its markers:
#   <!-- reproduce:begin --> ... <!-- reproduce:end -->: the time the
#     reproduction took, the count of each verdict, and the claims table, from
#     tests/reports/reproduce.md (`scripts/reports.sh reproduce`);
#   <!-- test-times:begin --> ... <!-- test-times:end -->: each test tier's
#     time, from tests/reports/test-times.md (`scripts/test-times.sh`).
# With --check it changes nothing and exits 1 when a block is not what its
# report gives (tests/test_readme.sh runs that).
# usage: scripts/readme-numbers.sh [--check]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
readme="$root/README.md"
reproduce="$root/tests/reports/reproduce.md"
times="$root/tests/reports/test-times.md"
for f in "$reproduce" "$times"; do
	[ -f "$f" ] || { echo "readme-numbers: no '$f' (scripts/reports.sh reproduce, scripts/test-times.sh)" >&2; exit 2; }
done
reproduce_block() {
	echo "<!-- reproduce:begin (scripts/readme-numbers.sh writes this from tests/reports/reproduce.md) -->"
	sed -n 's/^# reproduce.sh: \(.*\)$/`scripts\/reproduce.sh` on the mirror data: \1./p' "$reproduce"
	grep -E "^(The paper's statements|Our extra checks \(not the paper's, counted apart\)): [0-9]+;" "$reproduce" | sed 's/^/- /'
	echo
	sed -n '/^| figure | claim | verdict | /,/^$/p' "$reproduce" | sed '/^$/d'
	echo "<!-- reproduce:end -->"
}
times_block() {
	echo "<!-- test-times:begin (scripts/readme-numbers.sh writes this from tests/reports/test-times.md) -->"
	sed -n 's/^Written by `scripts\/test-times.sh` on \([0-9-]*\), \([0-9]*\) cores,$/Measured by `scripts\/test-times.sh` on \1, \2 cores (idle; under two busy loops):/p' "$times"
	sed -n -e 's/^## \([a-z]*\): \([0-9]*\) s idle, \([0-9]*\) s loaded$/- \1: \2 s; \3 s/p' \
		-e 's/^## \([a-z]*\): \([0-9]*\) s idle$/- \1: \2 s (idle only)/p' "$times"
	echo "<!-- test-times:end -->"
}
# replace TEXT NAME BLOCKFILE: TEXT with the block NAME's lines replaced.
replace() {
	awk -v name="$2" -v blockfile="$3" '
		$0 ~ "^<!-- " name ":begin" { while ((getline line < blockfile) > 0) print line; skip = 1; next }
		$0 ~ "^<!-- " name ":end -->" { skip = 0; next }
		!skip' <<< "$1"
}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
reproduce_block > "$t/reproduce"
times_block > "$t/times"
new=$(cat "$readme")
for name in reproduce test-times; do
	grep -q "^<!-- $name:begin" "$readme" || { echo "readme-numbers: README.md has no $name markers" >&2; exit 2; }
done
new=$(replace "$new" reproduce "$t/reproduce")
new=$(replace "$new" test-times "$t/times")
if [ "${1:-}" = "--check" ]; then
	if [ "$new" != "$(cat "$readme")" ]; then
		echo "readme-numbers: README.md's measured blocks differ from tests/reports/{reproduce,test-times}.md; run scripts/readme-numbers.sh" >&2
		diff <(cat "$readme") <(printf '%s\n' "$new") | head -20 >&2
		exit 1
	fi
	echo "readme-numbers: README.md agrees with tests/reports/reproduce.md and test-times.md"
	exit 0
fi
printf '%s\n' "$new" > "$readme.tmp" && mv "$readme.tmp" "$readme"
echo "readme-numbers: README.md's measured blocks rewritten from tests/reports/{reproduce,test-times}.md"
