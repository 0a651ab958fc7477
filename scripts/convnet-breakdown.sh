#!/usr/bin/env bash
# convnet-breakdown.sh: what carries the gap between the runs of a convnet
# run directory (configs/fig5_right.json): per run, the batch loss and its
# two parts (cross-entropy, L2 term) averaged over 100-step windows starting
# at steps 0, 500, 1000, 2000, 5000 and the last 100 steps, the validation
# error at the window's start, and the test error and time at the end.
# Markdown on stdout.
# usage: scripts/convnet-breakdown.sh RUN_DIR
set -euo pipefail
dir="${1:?usage: convnet-breakdown.sh RUN_DIR}"
[ -f "$dir/summary.csv" ] || { echo "convnet-breakdown: error: '$dir/summary.csv' not found" >&2; exit 2; }
echo "| run | steps | batch loss | cross-entropy | L2 term | validation error |"
echo "|---|---|---|---|---|---|"
# summary.csv: label is column 2, csv column 23 (see output.h).
tail -n +2 "$dir/summary.csv" | while IFS=, read -r -a f; do
	label="${f[1]}" csv="${f[22]}"
	awk -F, -v label="$label" '
		NR == 1 { next }
		{ step[NR - 2] = $1; loss[NR - 2] = $2; ce[NR - 2] = $5; l2[NR - 2] = $6; ve[NR - 2] = $8; n = NR - 1 }
		END {
			split("0 500 1000 2000 5000", starts, " ")
			starts[6] = n - 100
			for (k = 1; k <= 6; k++) {
				s = starts[k]
				if (s < 0) s = 0
				if (s >= n || (k < 6 && s + 100 > n - 100 && k > 1)) continue
				a = b = c = 0
				for (i = s; i < s + 100 && i < n; i++) { a += loss[i]; b += ce[i]; c += l2[i]; m++ }
				cnt = (s + 100 < n ? 100 : n - s)
				v = ve[s]; for (i = s; i < n && v == "nan"; i++) v = ve[i]
				printf "| %s | %d-%d | %.4f | %.4f | %.4f | %s |\n", label, step[s], step[(s + cnt - 1)], a / cnt, b / cnt, c / cnt, (v == "nan" ? "-" : sprintf("%.2f%%", 100 * v))
			}
		}' "$dir/$csv"
done
echo
echo "| run | test error | seconds | ms per step |"
echo "|---|---|---|---|"
# metadata.json: each run's result block (cJSON prints one key per line).
awk -F'\t' '
	/"label":/ { gsub(/[",]/, "", $NF); label = $NF }
	/"test_error":/ { gsub(/,/, "", $NF); te = $NF }
	/"seconds":/ { gsub(/,/, "", $NF); sec = $NF }
	/"ms_per_step":/ { gsub(/,/, "", $NF); printf "| %s | %.2f%% | %.0f | %.1f |\n", label, 100 * te, sec, $NF }
' "$dir/metadata.json"
