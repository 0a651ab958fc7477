#!/usr/bin/env bash
# build.sh: configures and builds overparam with CMake (Release, warnings on)
# into build/ (or $OVERPARAM_BUILD_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="${OVERPARAM_BUILD_DIR:-$root/build}"
cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$dir" -j "$(nproc)"
