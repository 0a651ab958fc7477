#!/usr/bin/env bash
# test-times.sh: how long each test tier takes on this machine, idle and
# under two busy loops (one per core of a 2-core machine), and under which
# OpenBLAS kernel setting; writes tests/reports/test-times.md (the README's
# tier times come from it). Needs a built build/ (scripts/build.sh) and the
# data (scripts/fetch-data.sh, and mnist for the convnet tests). test_readme
# is left out of the timed tiers: it checks the README against this report.
# With --full it also times the whole of scripts/test.sh (what CI runs),
# idle only: its builds are timed too, so run it on a fresh clone.
# --loaded "TIERS" times only these tiers under load too (default: every
# timed tier).
# usage: scripts/test-times.sh [--out FILE] [--tiers "fast slow"] [--loaded "fast"] [--full]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/tests/reports/test-times.md"
tiers="fast slow"
loaded=""
full=0
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out="$2"; shift 2 ;;
	--tiers) tiers="$2"; shift 2 ;;
	--loaded) loaded="$2"; shift 2 ;;
	--full) full=1; shift ;;
	*) echo "test-times: error: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ -x "$root/build/overparam" ] || { echo "test-times: error: no build/overparam (scripts/build.sh)" >&2; exit 2; }
tmp=$(mktemp -d)
busy=()
stop_busy() { for p in "${busy[@]}"; do kill "$p" 2> /dev/null || true; done; busy=(); }
trap 'stop_busy; rm -rf "$tmp"' EXIT

# tier_times TIER LOAD: ctest of one tier; per-test seconds to $tmp/TIER.LOAD
# ("name seconds" lines) and the whole wall time to $tmp/TIER.LOAD.wall.
tier_times() {
	local tier="$1" load="$2" t0 t1
	if [ "$load" = loaded ]; then
		for _ in 1 2; do (while :; do :; done) & busy+=($!); done
	fi
	t0=$(date +%s.%N)
	(cd "$root/build" && ctest -L "$tier" -E '^test_readme$' --timeout 900) > "$tmp/$tier.$load.log" 2>&1 ||
		{ stop_busy; cat "$tmp/$tier.$load.log" >&2; echo "test-times: error: the $tier tier failed ($load)" >&2; exit 1; }
	t1=$(date +%s.%N)
	stop_busy
	sed -n 's/.*Test *#[0-9]*: \([a-z_0-9]*\) .*Passed *\([0-9.]*\) sec.*/\1 \2/p' "$tmp/$tier.$load.log" > "$tmp/$tier.$load"
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f\n", b - a }' > "$tmp/$tier.$load.wall"
}

{
	echo "# Test tiers: times"
	echo
	echo "Written by \`scripts/test-times.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores,"
	echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(unset)}. Idle: nothing else running;"
	echo "loaded: two busy loops beside the tests. Seconds of wall time; each test's"
	echo "ctest timeout is 900 s (120 s for the C unit tests). test_readme (0.2 s) is left"
	echo "out: it checks the README against this report."
} > "$tmp/report"
[ -n "$loaded" ] || loaded="$tiers"
for tier in $tiers; do
	tier_times "$tier" idle
	if [[ " $loaded " == *" $tier "* ]]; then
		tier_times "$tier" loaded
		{
			echo
			echo "## $tier: $(cat "$tmp/$tier.idle.wall") s idle, $(cat "$tmp/$tier.loaded.wall") s loaded"
			echo
			echo "| test | idle | loaded |"
			echo "|---|---:|---:|"
			join <(sort "$tmp/$tier.idle") <(sort "$tmp/$tier.loaded") |
				sort -k2,2gr | awk '{ printf "| %s | %.1f | %.1f |\n", $1, $2, $3 }'
		} >> "$tmp/report"
	else
		{
			echo
			echo "## $tier: $(cat "$tmp/$tier.idle.wall") s idle"
			echo
			echo "| test | idle |"
			echo "|---|---:|"
			sort -k2,2gr "$tmp/$tier.idle" | awk '{ printf "| %s | %.1f |\n", $1, $2 }'
		} >> "$tmp/report"
	fi
done
if [ "$full" = 1 ]; then
	t0=$(date +%s)
	bash "$root/scripts/test.sh" > "$tmp/full.log" 2>&1 ||
		{ tail -40 "$tmp/full.log" >&2; echo "test-times: error: scripts/test.sh failed" >&2; exit 1; }
	t1=$(date +%s)
	{
		echo
		echo "## full: $((t1 - t0)) s idle"
		echo
		echo "\`scripts/test.sh\` as a whole (builds included); its stages:"
		echo
		grep '^== ' "$tmp/full.log" | sed 's/^== /- /'
	} >> "$tmp/report"
fi
mkdir -p "$(dirname "$out")"
mv "$tmp/report" "$out"
echo "test-times: wrote $out"
