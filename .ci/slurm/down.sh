#!/usr/bin/env bash
# Stops what .ci/slurm/up.sh started: slurmd (and any job step it left), slurmctld, and munged if
# up.sh started it. Waits at most COHORT_SLURM_STOP_S (default 10) seconds per daemon, then kills
# it. Leaves /etc/slurm/slurm.conf and the state folder in place; re-runnable.
set -uo pipefail

dir=${COHORT_SLURM_DIR:-/var/tmp/cohort-slurm}
stop_s=${COHORT_SLURM_STOP_S:-10}
failed=0

# A process counts as running while it exists and is not a zombie: the daemons are orphans, and
# this container's init reaps orphans only every second or so.
running() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# stop NAME PID: SIGTERM, bounded wait, then SIGKILL.
stop() {
  local name=$1 pid=$2
  running "$pid" || return 0
  kill "$pid" 2>/dev/null
  local deadline=$((SECONDS + stop_s))
  while running "$pid" && [ "$SECONDS" -lt "$deadline" ]; do
    sleep 0.1
  done
  if running "$pid"; then
    echo "slurm down: $name (pid $pid) ignored SIGTERM for ${stop_s}s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null
    sleep 0.2
    running "$pid" && failed=1
  fi
}

# stop_pidfile NAME FILE
stop_pidfile() {
  [ -s "$2" ] || return 0
  stop "$1" "$(cat "$2")"
  rm -f "$2"
}

# Cancel what is still queued or running, so that no job step outlives the daemons.
if [ -s "$dir/slurmctld.pid" ] && running "$(cat "$dir/slurmctld.pid")"; then
  scancel --full --quiet --partition=debug 2>/dev/null || true
fi
stop_pidfile slurmd "$dir/slurmd.pid"
# slurmstepd (one per job step) is not slurmd's child once forked; stop any left behind.
for pid in $(pgrep -x slurmstepd || true); do
  stop slurmstepd "$pid"
done
stop_pidfile slurmctld "$dir/slurmctld.pid"
if [ -f "$dir/munged.started" ]; then
  stop_pidfile munged /run/munge/munged.pid
  rm -f "$dir/munged.started"
fi
[ "$failed" = 0 ] || { echo "slurm down: some daemons could not be stopped" >&2; exit 1; }
