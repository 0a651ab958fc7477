#!/usr/bin/env bash
# Bit identity: the configs in tests/bitid/ (every optimizer, deep and Eq. 12
# runs, every init, l2 Gram form, l2/l3/l4 data passes, diagnostics, batched
# grids, synthetic and real data) give the same bytes in runs/*.csv and
# weights/**/*.npy under every variation that must not matter:
#   - OpenBLAS kernels: OPENBLAS_CORETYPE unset, Prescott, Nehalem, Haswell,
#     Zen, SkylakeX (each one this CPU can execute);
#   - --threads 1, 2, 3; --no-batch;
#   - our kernel variants: OVERPARAM_KERNELS portable, avx2, avx512 (each one
#     this CPU runs);
#   - glibc's libm variants as on a CPU without FMA/AVX2 (GLIBC_TUNABLES);
#   - other builds of overparam given as further arguments (clang,
#     RelWithDebInfo, -march=native: scripts/test.sh passes them).
# The reference is a run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset.
# Prints one row per case; exit 1 if any case differs.
# usage: test_bitid.sh OVERPARAM_BINARY SOURCE_DIR [OTHER_BINARY...]
set -u
bin="$1"
src=$(cd "$2" && pwd)
shift 2
others=("$@")
. "$src/tests/lib.sh"

flags=$(grep -m1 '^flags' /proc/cpuinfo 2> /dev/null || true)
has() { case " $flags " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
cores=(Prescott Nehalem)
has avx2 && cores+=(Haswell Zen)
has avx512f && cores+=(SkylakeX)
kernels=(portable)
has avx2 && has fma && kernels+=(avx2)
has avx512f && kernels+=(avx512)

clean_env=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE -u OVERPARAM_KERNELS)

# run NAME CFG BINARY [ENV...] -- [ARGS...]: one run into $tmp/NAME
run_case() {
	local name="$1" cfg="$2" b="$3"
	shift 3
	local envs=() args=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	args=("$@")
	"${clean_env[@]}" "${envs[@]}" "$b" run "$cfg" -o "$tmp/$name" --no-plot --quiet \
		"${args[@]}" 2> "$tmp/$name.err"
}

# same_bytes A B: every CSV and .npy of run directory A equals B's.
same_bytes() {
	local a="$1" b="$2" f
	(cd "$a" && find runs weights -type f \( -name '*.csv' -o -name '*.npy' \) | sort) > "$tmp/list_a"
	(cd "$b" && find runs weights -type f \( -name '*.csv' -o -name '*.npy' \) | sort) > "$tmp/list_b"
	cmp -s "$tmp/list_a" "$tmp/list_b" || { echo "different file lists"; return 1; }
	[ -s "$tmp/list_a" ] || { echo "no files"; return 1; }
	while read -r f; do
		cmp -s "$a/$f" "$b/$f" || { echo "$f differs"; return 1; }
	done < "$tmp/list_a"
	echo "identical ($(wc -l < "$tmp/list_a") files)"
}

printf '%-22s %-34s %s\n' config case result
for cfg in "$src"/tests/bitid/*.json; do
	c=$(basename "$cfg" .json)
	if ! run_case "$c-ref" "$cfg" "$bin" -- --threads 2; then
		bad "$c: reference run failed: $(cat "$tmp/$c-ref.err")"
		continue
	fi
	cases=()
	for ct in "${cores[@]}"; do cases+=("OPENBLAS_CORETYPE=$ct|$bin|OPENBLAS_CORETYPE=$ct|--threads 2"); done
	cases+=("OPENBLAS_L2_SIZE=512 (Haswell env)|$bin|OPENBLAS_L2_SIZE=512|--threads 2")
	for t in 1 3; do cases+=("--threads $t|$bin||--threads $t"); done
	cases+=("--no-batch|$bin||--no-batch --threads 2")
	for k in "${kernels[@]}"; do cases+=("kernels $k|$bin|OVERPARAM_KERNELS=$k|--threads 2"); done
	cases+=("libm as without FMA/AVX2|$bin|GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX2,-FMA,-FMA4,-AVX|--threads 2")
	i=0
	for o in "${others[@]}"; do
		i=$((i + 1))
		cases+=("build: $(basename "$(dirname "$o")")|$o||--threads 2")
		cases+=("build: $(basename "$(dirname "$o")") portable|$o|OVERPARAM_KERNELS=portable|--threads 1 --no-batch")
	done
	n=0
	for spec in "${cases[@]}"; do
		IFS='|' read -r label b envs args <<< "$spec"
		n=$((n + 1))
		env_arr=()
		[ -n "$envs" ] && env_arr=("$envs")
		# shellcheck disable=SC2086
		if ! run_case "$c-$n" "$cfg" "$b" "${env_arr[@]}" -- $args; then
			printf '%-22s %-34s %s\n' "$c" "$label" "RUN FAILED"
			bad "$c, $label: run failed: $(head -c 300 "$tmp/$c-$n.err")"
			continue
		fi
		if verdict=$(same_bytes "$tmp/$c-ref" "$tmp/$c-$n"); then
			ok
		else
			bad "$c, $label: $verdict"
			if [ -n "${BITID_SHOW_DIFF:-}" ]; then
				"$bin" compare "$tmp/$c-ref" "$tmp/$c-$n" --rtol 0 --atol 0 | tail -2
			fi
		fi
		printf '%-22s %-34s %s\n' "$c" "$label" "$verdict"
		rm -rf "$tmp/$c-$n"
	done
done
finish test_bitid
