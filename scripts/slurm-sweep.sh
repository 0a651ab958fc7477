#!/usr/bin/env bash
# slurm-sweep.sh: one overparam run (a grid search, say) as a Slurm job
# array of N shards and a merge job after it (which then runs the config's
# grid rounds, select.extend and select.refine, if it has any).
#
# usage: scripts/slurm-sweep.sh [--shards N] CONFIG OUTDIR [sbatch options...]
#   OUTDIR/config.json   the config the sweep was started with (a re-run with
#                        another config is refused)
#   OUTDIR/shards/I/     shard I of N: overparam run CONFIG --shard I/N
#   OUTDIR/result/       the merged run directory (overparam merge): the bytes
#                        of a single-machine run
#   OUTDIR/logs/         shard-I.out, merge.out
# Every task gets its shard as I/N with N written here, not read from
# SLURM_ARRAY_TASK_COUNT (which is 1 when a single index is resubmitted).
# Tasks are --requeue'd and get SIGTERM 120 s before their time limit or
# on preemption (--signal=B:TERM@120): overparam checkpoints and exits, and
# a requeued task continues from its checkpoint (periodic checkpoints cover
# SIGKILL too). The merge job waits with afterany, so it runs even when a
# task failed and then says which shard to rerun; with afterok it would wait
# forever. Running this script again submits only the shards that are not
# complete, and the merge; when the result is complete it does nothing.
#
# Each task runs --threads $SLURM_CPUS_PER_TASK (1 unless --cpus-per-task is
# given), the CPUs Slurm gave it; the bytes do not depend on it.
#
# Environment: OVERPARAM, the binary (default: overparam on PATH, else
# build/overparam of this checkout). Extra sbatch options (--partition,
# --time, --cpus-per-task, ...) go to the shard tasks and the merge job.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "slurm-sweep: $*" >&2; exit 2; }
usage="usage: slurm-sweep.sh [--shards N] CONFIG OUTDIR [sbatch options...]"
case "${1:-}" in
-h | --help)
	echo "$usage"
	exit 0
	;;
esac
n=4
if [ "${1:-}" = "--shards" ]; then
	[ $# -ge 2 ] || die "--shards needs a number"
	n="$2"
	shift 2
fi
[ $# -ge 2 ] || die "$usage"
[[ "$n" =~ ^[1-9][0-9]*$ ]] && [ "$n" -le 100000 ] || die "--shards needs an integer 1..100000, got '$n'"
# Everything is checked before OUTDIR is made: a refused call leaves nothing.
[ -f "$1" ] || die "no config file '$1'"
config=$(cd -- "$(dirname -- "$1")" && pwd)/$(basename -- "$1")
command -v sbatch > /dev/null || die "sbatch not found: this machine is not a Slurm submit host"
bin="${OVERPARAM:-$(command -v overparam || echo "$root/build/overparam")}"
[ -x "$bin" ] || die "overparam binary '$bin' not found (set OVERPARAM)"
mkdir -p -- "$2"
out=$(cd -- "$2" && pwd)
shift 2

# The sweep's identity: its config bytes and its shard count.
if [ -e "$out/config.json" ]; then
	cmp -s "$config" "$out/config.json" ||
		die "'$out' was started from another config (see $out/config.json)"
	was=$(cat "$out/shards.count")
	[ "$was" = "$n" ] || die "'$out' was started with --shards $was, not $n"
else
	cp "$config" "$out/config.json"
	echo "$n" > "$out/shards.count"
fi
mkdir -p "$out/shards" "$out/logs"
complete() { grep -Eq '"status":[[:space:]]*"complete"' "$1/metadata.json" 2> /dev/null; }
if complete "$out/result"; then
	echo "slurm-sweep: '$out/result' is complete: nothing to do"
	exit 0
fi
todo=()
for i in $(seq "$n"); do
	complete "$out/shards/$i" || todo+=("$i")
done
name="overparam-$(basename "$config" .json)"
dirs=()
for i in $(seq "$n"); do dirs+=("$out/shards/$i"); done
dependency=()
if [ ${#todo[@]} -gt 0 ]; then
	list=$(IFS=,; echo "${todo[*]}")
	task=$(printf 'exec %q run %q --shard "$SLURM_ARRAY_TASK_ID"/%d -o %q/"$SLURM_ARRAY_TASK_ID" --threads "${SLURM_CPUS_PER_TASK:-1}" --quiet' \
		"$bin" "$config" "$n" "$out/shards")
	array=$(sbatch --parsable --array="$list" --requeue --signal=B:TERM@120 \
		--job-name="$name" --output="$out/logs/shard-%a.out" --open-mode=append \
		"$@" --wrap="$task")
	array=${array%%;*}
	echo "slurm-sweep: job $array: shards $list of $n"
	dependency=(--dependency="afterany:$array" --kill-on-invalid-dep=no)
fi
# The merge, then the config's grid rounds if it has any (merge leaves the
# result "incomplete" for them; --continue of a complete result does
# nothing); a rerun of this job after the merge went through continues.
merge=$(printf '[ -d %q ] || %q merge' "$out/result" "$bin")
for d in "${dirs[@]}"; do merge+=$(printf ' %q' "$d"); done
merge+=$(printf ' -o %q --quiet && exec %q run %q -o %q --continue --quiet --threads "${SLURM_CPUS_PER_TASK:-1}"' \
	"$out/result" "$bin" "$config" "$out/result")
job=$(sbatch --parsable "${dependency[@]}" --job-name="$name-merge" \
	--output="$out/logs/merge.out" --open-mode=append "$@" --wrap="$merge")
echo "slurm-sweep: job ${job%%;*}: merge into $out/result"
