#!/usr/bin/env bash
# fuzz.sh: builds the libFuzzer harnesses (clang, ASan + UBSan) in
# build-fuzz/ and runs each for SECONDS (default 60) from the seed corpora
# in tests/fuzz/. Exits non-zero if a harness finds a crash, leak or
# undefined behaviour; prints the executions per second of each.
# usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs="${1:-60}"
dir="$root/build-fuzz"
CC=clang cmake -S "$root" -B "$dir" -DOVERPARAM_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build "$dir" -j "$(nproc)" > /dev/null
for h in fuzz_config fuzz_data; do
	corpus="$root/tests/fuzz/corpus_${h#fuzz_}"
	work=$(mktemp -d)
	cp "$corpus"/* "$work/"
	log="$dir/$h.log"
	if ! (cd "$dir" && ASAN_OPTIONS=detect_leaks=1 "./$h" -max_total_time="$secs" \
		-max_len=65536 -print_final_stats=1 "$work" > "$log" 2>&1); then
		echo "fuzz: $h FAILED; see $log" >&2
		grep -E "ERROR|SUMMARY|runtime error" "$log" | head -5 >&2
		rm -rf "$work"
		exit 1
	fi
	execs=$(grep -Eo "stat::number_of_executed_units: *[0-9]+" "$log" | grep -Eo "[0-9]+$" || echo 0)
	cov=$(grep -Eo "cov: [0-9]+" "$log" | tail -1 || true)
	echo "fuzz: $h: $execs inputs in ${secs} s ($((execs / secs)) exec/s), $cov, no crash"
	rm -rf "$work"
done
rm -rf /tmp/overparam-fuzz-*
