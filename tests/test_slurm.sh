#!/usr/bin/env bash
# A grid swept on a real Slurm: a one-node cluster on this machine (munged,
# slurmctld and slurmd as child processes with their own key, socket, ports
# and spool under a temporary directory), scripts/slurm-sweep.sh submitting
# the shards as a job array and the merge after them; the merged directory
# must be a single-machine run's bytes. Then a shard that fails: the merge
# runs anyway (afterany), names it, and running the script again submits
# only that shard and the merge. Installs Debian's slurm-wlm and munge when
# missing (as root; exit 77, skipped, otherwise). Stops every daemon it
# started, by PID.
# usage: test_slurm.sh OVERPARAM_BINARY SOURCE_DIR
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
if ! command -v slurmctld > /dev/null || ! command -v munged > /dev/null; then
	if [ "$(id -u)" != 0 ] || ! command -v apt-get > /dev/null; then
		echo "test_slurm: skipped (slurm-wlm and munge missing, and not root to install them)"
		exit 77
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq slurm-wlm munge > /dev/null 2>&1 ||
		{ apt-get update -qq && apt-get install -y -qq slurm-wlm munge > /dev/null; } ||
		{ echo "test_slurm: cannot install slurm-wlm and munge"; exit 1; }
fi
. "$src/tests/lib.sh"
c="$tmp/cluster"
mkdir -p "$c/state" "$c/spool"
chmod 700 "$c"
pids=()
stop_cluster() {
	# Job steps leave the spool before slurmd goes.
	for _ in $(seq 600); do
		ls "$c/spool" 2> /dev/null | grep -q '^job' || break
		sleep 0.1
	done
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill "${pids[i]}" 2> /dev/null && wait "${pids[i]}" 2> /dev/null
	done
	rm -rf "$tmp"
}
trap stop_cluster EXIT

head -c 1024 /dev/urandom > "$c/munge.key"
chmod 400 "$c/munge.key"
munged -F -f --socket="$c/munge.sock" --key-file="$c/munge.key" --log-file="$c/munged.log" \
	--pid-file="$c/munged.pid" --seed-file="$c/munged.seed" > "$c/munged.out" 2>&1 &
pids+=($!)
read -r port1 port2 < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
host=$(hostname -s)
node=$(slurmd -C | head -n 1 | sed "s/^NodeName=[^ ]*/NodeName=node1 NodeHostname=$host NodeAddr=127.0.0.1/; s/ RealMemory=[0-9]*//")
cat > "$c/slurm.conf" <<EOF
ClusterName=overparamtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port1
SlurmdPort=$port2
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$c/munge.sock
StateSaveLocation=$c/state
SlurmdSpoolDir=$c/spool
SlurmctldPidFile=$c/slurmctld.pid
SlurmdPidFile=$c/slurmd.pid
SlurmctldLogFile=$c/slurmctld.log
SlurmdLogFile=$c/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=sched_interval=1
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ReturnToService=2
$node State=UNKNOWN
PartitionName=test Nodes=node1 Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$c/slurm.conf"
for _ in $(seq 50); do [ -S "$c/munge.sock" ] && break; sleep 0.1; done
slurmctld -D -i > "$c/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N node1 > "$c/slurmd.out" 2>&1 &
pids+=($!)
# The node is up when sinfo says idle (a condition, not a time).
for _ in $(seq 600); do
	[ "$(sinfo -h -o %T 2> /dev/null)" = idle ] && break
	sleep 0.1
done
[ "$(sinfo -h -o %T 2> /dev/null)" = idle ] && ok ||
	{ bad "cluster did not come up: $(tail -n 3 "$c"/*.out "$c"/*.log 2> /dev/null)"; finish test_slurm; exit; }

wait_jobs() { # until the queue is empty
	for _ in $(seq 6000); do
		[ -z "$(squeue -h 2> /dev/null)" ] && return 0
		sleep 0.1
	done
	bad "jobs still queued: $(squeue)"
}

cat > "$tmp/grid.json" <<'JSON'
{
  "name": "grid",
  "data": {"source": "synthetic", "m": 400, "d": 24, "noise": 0.1},
  "loss": {"p": 4},
  "train": {"iterations": 6000, "log_every": 500},
  "defaults": {"init": {"scheme": "balanced", "std": 0.1}},
  "runs": [
    {"label": "depth 1", "model": {"depth": 1}, "optimizer": {"lr": [0.001, 0.003, 0.01, 30]}},
    {"label": "depth 3", "model": {"depth": 3, "width": 4}, "optimizer": {"lr": [0.001, 0.003, 0.01]}},
    {"label": "adam", "model": {"depth": 2, "width": 3}, "optimizer": {"name": "adam", "lr": [0.0003, 0.001]}}
  ]
}
JSON
expect_rc 0 "single run" "$bin" run "$tmp/grid.json" -o "$tmp/single" --quiet --no-plot

same_as_single() { # same_as_single DIR LABEL
	expect_rc 0 "$2 = single run" "$bin" compare "$tmp/single" "$1" --rtol 0 --atol 0
	cmp -s "$tmp/single/summary.csv" "$1/summary.csv" && ok || bad "$2: summary.csv differs"
	for f in "$tmp"/single/runs/*.csv; do
		cmp -s "$f" "$1/runs/${f##*/}" || bad "$2: ${f##*/} differs"
	done
}

sweep="$src/scripts/slurm-sweep.sh"
expect_rc 0 "slurm-sweep" env OVERPARAM="$bin" bash "$sweep" --shards 3 "$tmp/grid.json" "$tmp/sw"
grep -q "shards 1,2,3 of 3" "$tmp/out" && ok || bad "sweep submitted: $(cat "$tmp/out")"
wait_jobs
same_as_single "$tmp/sw/result" "Slurm sweep"
expect_rc 0 "slurm-sweep again" env OVERPARAM="$bin" bash "$sweep" --shards 3 "$tmp/grid.json" "$tmp/sw"
grep -q "is complete: nothing to do" "$tmp/out" && ok || bad "complete sweep resubmitted: $(cat "$tmp/out")"
expect_rc 2 "slurm-sweep with another shard count" env OVERPARAM="$bin" bash "$sweep" --shards 2 "$tmp/grid.json" "$tmp/sw"

# A config with grid rounds: the merge job merges, then runs the rounds
# (--continue of the incomplete result): the single run's bytes.
sed 's/"name": "grid",/"name": "rounds", "select": {"extend": 3, "refine": 1},/' "$tmp/grid.json" > "$tmp/rounds.json"
expect_rc 0 "single run with rounds" "$bin" run "$tmp/rounds.json" -o "$tmp/rsingle" --quiet --no-plot
expect_rc 0 "slurm-sweep with rounds" env OVERPARAM="$bin" bash "$sweep" --shards 3 "$tmp/rounds.json" "$tmp/rsw"
wait_jobs
cmp -s "$tmp/rsingle/summary.csv" "$tmp/rsw/result/summary.csv" && ok || bad "rounds sweep: summary.csv differs: $(cat "$tmp/rsw/logs/merge.out")"
[ "$(ls "$tmp/rsw/result/runs" 2> /dev/null | wc -l)" = "$(ls "$tmp/rsingle/runs" | wc -l)" ] && ok || bad "rounds sweep: another number of runs"
grep -Eq '"status":[[:space:]]*"complete"' "$tmp/rsw/result/metadata.json" && ok || bad "rounds sweep: result not complete"

# A task that fails (shard 2, once): the merge still runs and names it; the
# next sweep submits shard 2 alone, and the merge.
cat > "$tmp/flaky" <<EOF
#!/usr/bin/env bash
if [ "\$1" = run ] && [[ " \$* " == *" 2/3 "* ]] && [ ! -e "$tmp/failed-once" ]; then
	touch "$tmp/failed-once"
	echo "flaky: shard 2 fails" >&2
	exit 1
fi
exec "$bin" "\$@"
EOF
chmod +x "$tmp/flaky"
expect_rc 0 "sweep with a failing task" env OVERPARAM="$tmp/flaky" bash "$sweep" --shards 3 "$tmp/grid.json" "$tmp/fl"
wait_jobs
[ -e "$tmp/failed-once" ] && ok || bad "the flaky task did not run"
grep -q "shards/2' is not a run directory" "$tmp/fl/logs/merge.out" && ok || bad "merge log: $(cat "$tmp/fl/logs/merge.out")"
[ -e "$tmp/fl/result" ] && bad "a merge without shard 2 wrote a result" || ok
expect_rc 0 "sweep resubmitted" env OVERPARAM="$tmp/flaky" bash "$sweep" --shards 3 "$tmp/grid.json" "$tmp/fl"
grep -q "shards 2 of 3" "$tmp/out" && ok || bad "resubmission: $(cat "$tmp/out")"
wait_jobs
same_as_single "$tmp/fl/result" "resubmitted sweep"

finish test_slurm
