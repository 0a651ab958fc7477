#!/usr/bin/env bash
# test.sh: the test command. Installs missing packages, builds, fetches the
# data (the local mirror where there is no internet) and runs every test
# with ctest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh
scripts/build.sh
scripts/fetch-data.sh
cd build
ctest --output-on-failure --timeout 600
