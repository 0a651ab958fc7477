#!/usr/bin/env bash
# reports.sh: regenerates the committed reports the README quotes, in
# tests/reports/:
#   bench.txt          `overparam bench 2000` (speed and roofline)
#   bitid.txt          tests/test_bitid.sh across OpenBLAS core types,
#                      threads, batching, kernel variants, libm variants and
#                      builds (gcc Release, clang Release, gcc
#                      RelWithDebInfo -march=native)
#   deviation_k6.txt   how far the k > 1 paths (BLAS/LAPACK: softmax,
#                      Eq. 10's SVD) move with the OpenBLAS core type:
#                      configs/gas_classes.json, 2,000 iterations, against
#                      the run with OPENBLAS_CORETYPE unset
#   reproduce.md       scripts/reproduce.sh's report.md (its default protocol:
#                      every figure's claims over leave-one-batch-out
#                      replicates, with their numbers) with the time it
#                      took and each figure's; the
#                      README's reproduction block is written from it by
#                      scripts/readme-numbers.sh
#   reproduce_1m.md    scripts/reproduce.sh --horizon 1000000
#                      --replicates 1's report.md: the l4 grid figures at
#                      the blog's 10^6 steps on all the data present, once
#                      (over the 8 subsets it would take about 5 hours on
#                      2 cores; reproduce.md has the subsets at 100K), with
#                      each figure's time. (reproduce_subsets.md, three
#                      subsets at 100K, is gone: reproduce.md judges every
#                      figure over every leave-one-batch-out subset.)
#   saxe.md            `overparam check saxe`: the trainer on the exact
#                      learning curves (depths 1-4, Eq. 10, two rates)
#   fig5_right.md      Figure 5 (right), configs/fig5_right.json (full
#                      protocol, MNIST): overparam report, the breakdown of
#                      the batch loss (scripts/convnet-breakdown.sh), the
#                      wall time; fig5_right.png its plot
#   convnet_peers.txt  scripts/bench-convnet-peers.sh: the convnet step
#                      against PyTorch, float32 and float64, 1 and 2 threads
#   dmf.md             scripts/dmf-figures.sh's dmf.md (ours beside the
#                      authors' ballpark numbers, the figures' times) and
#                      report.md (deep matrix factorization)
#   dmf_peers.txt      scripts/bench-dmf-peers.sh 4000: a completion step
#                      (n = 100, depth 3) against PyTorch
# usage: scripts/reports.sh [reproduce [OUT_DIR] | horizon [OUT_DIR] |
#                           convnet [RUN_DIR] | saxe | dmf [OUT_DIR]]   (after
#        scripts/build.sh and fetch-data.sh; "reproduce": only reproduce.md,
#        about 10 minutes; "convnet": only the two convnet reports, about 20
#        minutes, or from RUN_DIR, a finished run of configs/fig5_right.json;
#        "horizon": about 40 minutes, or from OUT_DIR, a finished
#        `reproduce.sh --horizon 1000000 --replicates 1 --out OUT_DIR` whose
#        output is in OUT_DIR/log)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=tests/reports
mkdir -p "$out"
bin=build/overparam
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
clean=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE -u OVERPARAM_KERNELS)

stamp() { echo "# $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; $("$bin" --version | head -n 1); made by scripts/reports.sh"; }

if [ "${1:-}" = saxe ]; then
	{ stamp; echo; "${clean[@]}" "$bin" check saxe; } > "$tmp/saxe.md"
	mv "$tmp/saxe.md" "$out/saxe.md"
	echo "reports: $out/saxe.md"
	exit 0
fi

if [ "${1:-}" = reproduce ]; then
	dir="${2:-}"
	if [ -z "$dir" ]; then
		dir="$tmp/reproduce"
		mkdir -p "$dir"
		t0=$(date +%s)
		"${clean[@]}" OVERPARAM_BIN="$bin" bash scripts/reproduce.sh --out "$dir" > "$dir/log"
		echo "reproduce: wall time $(( $(date +%s) - t0 )) s" >> "$dir/log"
	fi
	[ -f "$dir/report.md" ] && [ -f "$dir/log" ] ||
		{ echo "reports: error: '$dir' has no report.md and log of reproduce.sh" >&2; exit 2; }
	secs=$(sed -n 's/^reproduce: wall time \([0-9]*\) s$/\1/p' "$dir/log")
	{
		stamp
		echo "# reproduce.sh: ${secs:-?} s on $(nproc) cores, its default protocol: $(sed -n 's/^reproduce: \([0-9]* figures, .*\)$/\1/p' "$dir/log") (plots in results/reproduce/ after running it)"
		grep '^reproduce: .* done in' "$dir/log" | sed 's/^/#   /'
		echo
		cat "$dir/report.md"
	} > "$tmp/reproduce.md"
	mv "$tmp/reproduce.md" "$out/reproduce.md"
	echo "reports: $out/reproduce.md ($secs s); now run scripts/readme-numbers.sh"
	exit 0
fi

# horizon: reproduce.sh's report.md with each figure's time; run here, or
# from OUT_DIR where reproduce.sh ran with its output in OUT_DIR/log.
if [ "${1:-}" = horizon ]; then
	args=(--horizon 1000000 --replicates 1) name=reproduce_1m
	what="reproduce.sh --horizon 1000000 --replicates 1 (every run 10^6 iterations, the l4 grid figures, once on all the data present: no replicates, so no verdict here is 'inconclusive' for want of agreement; tests/reports/reproduce.md has every figure over the leave-one-batch-out subsets at 100K):"
	dir="${2:-}"
	if [ -z "$dir" ]; then
		dir="$tmp/$1"
		mkdir -p "$dir"
		"${clean[@]}" OVERPARAM_BIN="$bin" bash scripts/reproduce.sh "${args[@]}" --out "$dir" > "$dir/log"
	fi
	[ -f "$dir/report.md" ] && [ -f "$dir/log" ] ||
		{ echo "reports: error: '$dir' has no report.md and log of reproduce.sh ${args[*]}" >&2; exit 2; }
	{
		stamp
		echo "# $what"
		grep '^reproduce: .* done in' "$dir/log" | sed 's/^/#   /'
		echo
		cat "$dir/report.md"
	} > "$tmp/$name.md"
	mv "$tmp/$name.md" "$out/$name.md"
	echo "reports: $out/$name.md"
	exit 0
fi

# dmf: the deep matrix factorization figures (scripts/dmf-figures.sh, about
# an hour on 2 cores, or from OUT_DIR where it ran) and the completion step
# against PyTorch (scripts/bench-dmf-peers.sh)
if [ "${1:-}" = dmf ]; then
	dir="${2:-}"
	if [ -z "$dir" ]; then
		dir="$tmp/dmf"
		OVERPARAM_BIN="$bin" bash scripts/dmf-figures.sh "$dir" > /dev/null
	fi
	[ -f "$dir/dmf.md" ] && [ -f "$dir/report.md" ] ||
		{ echo "reports: error: '$dir' has no dmf.md and report.md of dmf-figures.sh" >&2; exit 2; }
	{ stamp; echo; cat "$dir/dmf.md"; echo; cat "$dir/report.md"; } > "$tmp/dmf.md"
	mv "$tmp/dmf.md" "$out/dmf.md"
	{ stamp; OVERPARAM_BIN="$bin" bash scripts/bench-dmf-peers.sh 4000 2>&1; } > "$tmp/dmf_peers.txt"
	mv "$tmp/dmf_peers.txt" "$out/dmf_peers.txt"
	echo "reports: $out/dmf.md, $out/dmf_peers.txt"
	exit 0
fi

if [ "${1:-}" = convnet ]; then
	run="${2:-}"
	if [ -z "$run" ]; then
		run="$tmp/fig5_right"
		"${clean[@]}" "$bin" run configs/fig5_right.json -o "$run" --quiet
	fi
	cmp -s "$run/config.json" configs/fig5_right.json ||
		{ echo "reports: error: '$run' is not a run of configs/fig5_right.json" >&2; exit 2; }
	"$bin" report "$run" -o "$tmp/report.md" > /dev/null
	total=$(awk -F'\t' '/"seconds":/ { gsub(/,/, "", $NF); s += $NF } END { printf "%.0f", s }' "$run/metadata.json")
	{
		stamp
		echo "# overparam run configs/fig5_right.json: $total s of training and evaluation on $(nproc) cores ($(grep -m1 '"threads":' "$run/metadata.json" | tr -dc 0-9) threads, $(grep -m1 '"openblas":' "$run/metadata.json" | cut -d'"' -f4))"
		echo
		sed 's|(\([^()]*\)/loss.png)|(fig5_right.png)|' "$tmp/report.md"
		echo
		echo "## What carries the gap: the batch loss and its parts"
		echo
		bash scripts/convnet-breakdown.sh "$run"
	} > "$out/fig5_right.md"
	cp "$run/loss.png" "$out/fig5_right.png"
	{ stamp; OVERPARAM_BIN="$bin" "${clean[@]}" bash scripts/bench-convnet-peers.sh 20; } > "$tmp/peers.txt"
	mv "$tmp/peers.txt" "$out/convnet_peers.txt"
	echo "reports: $out/fig5_right.md, fig5_right.png, convnet_peers.txt"
	exit 0
fi

{ stamp; "${clean[@]}" "$bin" bench 2000; } > "$tmp/bench.txt"
mv "$tmp/bench.txt" "$out/bench.txt"

CC=clang cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build-clang -j "$(nproc)" --target overparam > /dev/null
cmake -S . -B build-native -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOVERPARAM_NATIVE=ON > /dev/null
cmake --build build-native -j "$(nproc)" --target overparam > /dev/null
{ stamp; bash tests/test_bitid.sh "$bin" . build-clang/overparam build-native/overparam 2>&1; } > "$tmp/bitid.txt"
mv "$tmp/bitid.txt" "$out/bitid.txt"

flags=$(grep -m1 '^flags' /proc/cpuinfo)
cores=(Prescott Nehalem)
case " $flags " in *" avx2 "*) cores+=(Haswell Zen) ;; esac
case " $flags " in *" avx512f "*) cores+=(SkylakeX) ;; esac
cfg=configs/gas_classes.json
"${clean[@]}" "$bin" run "$cfg" -o "$tmp/ref" --no-plot --quiet --iterations 2000
{
	stamp
	echo "k = 6 (six gases, softmax cross-entropy, Eq. 10 through LAPACKE_dgesvd), 2,000 iterations:"
	echo "largest deviation of any logged value from the run with OPENBLAS_CORETYPE unset"
	echo
	printf '%-10s %s\n' coretype "compare --rtol 0 --atol 0"
	for ct in "${cores[@]}"; do
		"${clean[@]}" OPENBLAS_CORETYPE=$ct "$bin" run "$cfg" -o "$tmp/$ct" --no-plot --quiet --iterations 2000
		dev=$("$bin" compare "$tmp/ref" "$tmp/$ct" --rtol 0 --atol 0 2>&1 | grep -m1 'largest deviation' || true)
		printf '%-10s %s\n' "$ct" "$dev"
	done
} > "$tmp/dev.txt"
mv "$tmp/dev.txt" "$out/deviation_k6.txt"
echo "reports.sh: wrote $out/bench.txt, $out/bitid.txt, $out/deviation_k6.txt"
