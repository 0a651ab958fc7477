#!/usr/bin/env bash
# setup.sh: from a fresh Debian machine to the Figure 2 (l4) plot.
#   installs the Debian packages, builds overparam (Release, warnings on),
#   fetches the gas-drift data (scripts/fetch-data.sh; a mirror can be given
#   with OVERPARAM_DATA_MIRROR) and runs configs/fig2_l4.json into
#   results/fig2_l4/ (loss.png, CSVs, metadata).
# usage: scripts/setup.sh [--no-run] [CONFIG]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
run=1
config=configs/fig2_l4.json
for a in "$@"; do
	case "$a" in
	--no-run) run=0 ;;
	-h|--help) sed -n '2,8p' "$0"; exit 0 ;;
	*) config="$a" ;;
	esac
done
scripts/install-deps.sh
scripts/build.sh
scripts/fetch-data.sh
if [ "$run" = 1 ]; then
	name=$(basename "$config" .json)
	build/overparam run "$config" -o "results/$name" --force
	echo "setup: done; the plot is results/$name/loss.png"
fi
