#!/usr/bin/env bash
# readme-numbers.sh: the README's reproduction numbers come from the
# committed report tests/reports/reproduce.md (made by `scripts/reports.sh
# reproduce`), never by hand. This writes the block between the markers
# <!-- reproduce:begin --> and <!-- reproduce:end --> in README.md from it:
# the time the reproduction took, how many claims hold, and the claims
# table. With --check it changes nothing and exits 1 when the README's block
# is not what the report gives (tests/test_readme.sh runs that).
# usage: scripts/readme-numbers.sh [--check]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
report="$root/tests/reports/reproduce.md"
readme="$root/README.md"
[ -f "$report" ] || { echo "readme-numbers: no '$report' (scripts/reports.sh reproduce)" >&2; exit 2; }
block() {
	echo "<!-- reproduce:begin (scripts/readme-numbers.sh writes this from tests/reports/reproduce.md) -->"
	sed -n 's/^# reproduce.sh: \(.*\)$/`scripts\/reproduce.sh` on the mirror data: \1./p' "$report"
	grep -m1 -E '^[0-9]+ of [0-9]+ claims hold\.$' "$report"
	echo
	sed -n '/^| figure | claim | verdict |$/,/^$/p' "$report" | sed '/^$/d'
	echo "<!-- reproduce:end -->"
}
block > "${TMPDIR:-/tmp}/readme-block.$$"
new=$(awk -v blockfile="${TMPDIR:-/tmp}/readme-block.$$" '
	/^<!-- reproduce:begin/ { while ((getline line < blockfile) > 0) print line; skip = 1; next }
	/^<!-- reproduce:end -->/ { skip = 0; next }
	!skip' "$readme")
rm -f "${TMPDIR:-/tmp}/readme-block.$$"
grep -q '^<!-- reproduce:begin' "$readme" || { echo "readme-numbers: README.md has no reproduce markers" >&2; exit 2; }
if [ "${1:-}" = "--check" ]; then
	if [ "$new" != "$(cat "$readme")" ]; then
		echo "readme-numbers: README.md's reproduction block differs from tests/reports/reproduce.md; run scripts/readme-numbers.sh" >&2
		diff <(cat "$readme") <(printf '%s\n' "$new") | head -20 >&2
		exit 1
	fi
	echo "readme-numbers: README.md agrees with tests/reports/reproduce.md"
	exit 0
fi
printf '%s\n' "$new" > "$readme.tmp" && mv "$readme.tmp" "$readme"
echo "readme-numbers: README.md's reproduction block rewritten from tests/reports/reproduce.md"
