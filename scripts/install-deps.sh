#!/usr/bin/env bash
# install-deps.sh: installs the Debian packages overparam needs to build,
# test and plot, when any is missing (apt-get as root, or through sudo).
set -euo pipefail
packages=(build-essential cmake pkg-config libopenblas-dev liblapacke-dev
	libcjson-dev gnuplot-nox python3 unzip curl ca-certificates
	clang libclang-rt-14-dev valgrind)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all packages present"
	exit 0
fi
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
