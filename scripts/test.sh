#!/usr/bin/env bash
# test.sh: the test command (CI runs exactly this). Installs missing
# packages, builds, fetches the data (the local mirror where there is no
# internet), then:
#   1. every test with ctest (Release build; includes valgrind memcheck and
#      the bit-identity test across OpenBLAS core types, threads, batching
#      and kernel variants)
#   2. the bit-identity test again across builds: clang Release (build-clang/)
#      and gcc RelWithDebInfo with -march=native (build-native/)
#   3. the same tests built with AddressSanitizer + UBSan (build-asan/)
#   4. the libFuzzer harnesses for the config parser and the data loaders,
#      60 s each (scripts/fuzz.sh)
# usage: scripts/test.sh [--quick | --slow]
#   --quick  the fast tier only (ctest -L fast: unit and CLI tests, about
#            30 s on 2 idle cores): what a developer runs after each change
#   --slow   the slow tier only (ctest -L slow: convnet runs, kill storms,
#            Slurm, bit identity, valgrind)
#   (none)   everything above: both tiers, then steps 2-4 (what CI runs)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tier=all
case "${1:-}" in
--quick) tier=fast ;;
--slow) tier=slow ;;
"") ;;
*) echo "test.sh: error: unknown option '$1' (--quick, --slow)" >&2; exit 2 ;;
esac
scripts/install-deps.sh
scripts/build.sh
scripts/fetch-data.sh
scripts/fetch-data.sh mnist || echo "test.sh: MNIST not fetched: test_mnist is skipped"
if [ "$tier" != all ]; then
	echo "== ctest (Release): the $tier tier only (ctest -L $tier)"
	(cd build && ctest --output-on-failure --timeout 900 -L "$tier")
	echo "test.sh: the $tier tier passed (scripts/test.sh with no option runs every tier)"
	exit 0
fi
echo "== ctest (Release): both tiers"
(cd build && ctest --output-on-failure --timeout 900)
echo "== bit identity across builds (clang Release; gcc RelWithDebInfo -march=native)"
CC=clang cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build-clang -j "$(nproc)" --target overparam > /dev/null
cmake -S . -B build-native -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOVERPARAM_NATIVE=ON > /dev/null
cmake --build build-native -j "$(nproc)" --target overparam > /dev/null
bash tests/test_bitid.sh build/overparam . build-clang/overparam build-native/overparam
echo "== ctest (AddressSanitizer + UBSan)"
cmake -S . -B build-asan -DOVERPARAM_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build-asan -j "$(nproc)" > /dev/null
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure --timeout 900)
echo "== fuzzing"
scripts/fuzz.sh 60
echo "test.sh: all passed"
