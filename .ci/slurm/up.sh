#!/usr/bin/env bash
# Configures and starts a single-node Slurm on this host for the tests (SlurmTest): munged,
# slurmctld and slurmd as daemons, one node (this host) in one partition "debug". Installs
# nothing (.ci/run does). Re-runnable: daemons already running with the same configuration are
# left alone; a changed configuration restarts slurmctld and slurmd. Runs as root and writes
# /etc/slurm/slurm.conf, where the client tools (srun, sinfo, squeue) look; it refuses to replace
# a slurm.conf it did not write. Stop everything with .ci/slurm/down.sh.
#
# Environment: COHORT_SLURM_DIR (state, spool, logs and pid files; default /var/tmp/cohort-slurm),
# COHORT_SLURM_WAIT_S (how long to wait for the node to become idle; default 30).
set -euo pipefail

dir=${COHORT_SLURM_DIR:-/var/tmp/cohort-slurm}
wait_s=${COHORT_SLURM_WAIT_S:-30}
conf=/etc/slurm/slurm.conf
marker="# Written by Cohort's .ci/slurm/up.sh"

die() {
  echo "slurm up: $*" >&2
  exit 1
}

# A daemon counts as running when its pid file names a live process (not a zombie: the daemons
# are orphans, and this container's init reaps orphans only every second or so).
alive() {
  local state
  [ -s "$1" ] || return 1
  state=$(awk '{print $3}' "/proc/$(cat "$1")/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

[ "$(id -u)" = 0 ] || die "must run as root (it writes $conf and starts daemons)"
for tool in munged slurmctld slurmd sinfo scontrol; do
  command -v "$tool" >/dev/null 2>&1 \
    || die "$tool is missing; install with: apt-get install slurmctld slurmd slurm-client munge"
done
if [ -f "$conf" ] && ! grep -qxF "$marker" "$conf"; then
  die "$conf exists and was not written by this script; not replacing it"
fi

mkdir -p "$dir"/{state,spool,log} /etc/slurm
chmod 0755 "$dir"

# --- munge: the key, then the daemon (as user munge, which must own the key) -------------------
key=/etc/munge/munge.key
if [ ! -f "$key" ]; then
  install -d -o munge -g munge -m 0700 /etc/munge
  (umask 0277 && dd if=/dev/urandom of="$key" bs=1 count=1024 status=none)
  chown munge:munge "$key"
  chmod 0400 "$key"
fi
install -d -o munge -g munge -m 0755 /run/munge
install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  runuser -u munge -- munged || die "munged did not start (see /var/log/munge/munged.log)"
  touch "$dir/munged.started" # down.sh stops munged only if this script started it
  for _ in $(seq 1 50); do
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
    sleep 0.1
  done
  munge -n | unmunge >/dev/null 2>&1 || die "munged started but does not answer"
fi

# --- slurm.conf for this host -------------------------------------------------------------------
node=$(hostname -s)
cpus=$(nproc)
# Memory is not a consumable resource here (CR_Core); a small RealMemory never drains the node.
mem_mb=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024))
real_mb=$((mem_mb < 1024 ? mem_mb : 1024))
new=$(mktemp)
trap 'rm -f "$new"' EXIT
cat >"$new" <<CONF
$marker
# Single-node Slurm for Cohort's tests; regenerated on every run.
ClusterName=cohort
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
# No cgroups in a container: track processes through /proc, bind nothing.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
# A node that went down (e.g. slurmd restarted) comes back by itself once it registers.
ReturnToService=2
# Trust this file over what slurmd detects (containers report odd topologies).
SlurmdParameters=config_overrides
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldTimeout=30
SlurmdTimeout=30
KillWait=5
InactiveLimit=0
MinJobAge=5
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$real_mb State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF

changed=1
if [ -f "$conf" ] && cmp -s "$new" "$conf"; then
  changed=0
fi
if [ "$changed" = 1 ]; then
  install -m 0644 "$new" "$conf"
  # Daemons from an older configuration must not keep running with it.
  for d in slurmd slurmctld; do
    if alive "$dir/$d.pid"; then
      kill "$(cat "$dir/$d.pid")"
      for _ in $(seq 1 100); do alive "$dir/$d.pid" || break; sleep 0.1; done
      alive "$dir/$d.pid" && die "$d (pid $(cat "$dir/$d.pid")) did not stop for the new slurm.conf"
    fi
  done
fi

# --- daemons (they fork and write their pid files) ---------------------------------------------
if ! alive "$dir/slurmctld.pid"; then
  slurmctld || die "slurmctld did not start (see $dir/log/slurmctld.log)"
fi
if ! alive "$dir/slurmd.pid"; then
  slurmd || die "slurmd did not start (see $dir/log/slurmd.log)"
fi

# --- wait until the node takes jobs -------------------------------------------------------------
state=""
deadline=$((SECONDS + wait_s))
while [ "$SECONDS" -lt "$deadline" ]; do
  state=$(sinfo -h -n "$node" -o %t 2>/dev/null | head -n 1 || true)
  case "$state" in
    idle | mix | alloc) exit 0 ;;
    down* | drain* | drng* | fail*) scontrol update nodename="$node" state=resume 2>/dev/null || true ;;
  esac
  sleep 0.5
done
die "node $node is '${state:-not reported}' after ${wait_s}s, not idle (see $dir/log/)"
