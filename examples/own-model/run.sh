#!/usr/bin/env bash
# Builds this example and runs it end to end, as CI does (.ci/run), from any working directory:
#   1. trains OwnModel with 2 ranks under `bin/cohort run`, then checks the saved model with plain
#      DJL (Predict);
#   2. where a single-node Slurm can be started here (root, Slurm installed, Cohort's
#      .ci/slurm/up.sh), trains the same program as 2 tasks of `srun`, checks that model too, and
#      stops Slurm again (.ci/slurm/down.sh).
# Needs Cohort's jars in ~/.m2 first: `mvn -B -q install -DskipTests` in Cohort's checkout.
#
# Environment: COHORT_OFFLINE=1 builds offline (mvn -o); OWN_MODEL_TRAIN_LIMIT (training images,
# default 12000); OWN_MODEL_MIN_ACCURACY (what Predict must reach, default 0.7).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"
limit=${OWN_MODEL_TRAIN_LIMIT:-12000}
min_accuracy=${OWN_MODEL_MIN_ACCURACY:-0.7}

say() { echo "own-model: $*"; }
now() { date +%s%N; }
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }
# The last "test accuracy X" that rank 0 printed (behind "[rank 0] " or srun's "0: ").
accuracy_in() {
  local a
  a=$(grep -o 'test accuracy [0-9.]*' "$1" | tail -n 1 | awk '{print $3}' || true)
  [ -n "$a" ] || { say "no 'test accuracy' line from rank 0 in $1" >&2; exit 1; }
  echo "$a"
}

# --- build: target/own-model.jar and its dependencies in target/lib ------------------------------
mvn_flags=(-q -B)
[ "${COHORT_OFFLINE:-0}" = 1 ] && mvn_flags+=(-o)
t=$(now)
if ! mvn "${mvn_flags[@]}" package; then
  say "build failed; if Cohort's jars are missing, install them: (cd $root && mvn -B -q install -DskipTests)" >&2
  exit 1
fi
say "built target/own-model.jar in $(seconds_since "$t") s"

jar="$here/target/own-model.jar"
# No downloads at run time, and DJL's log from warnings up.
java_opts=(-Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
# One libtorch thread per rank: 2 ranks share this machine's cores.
train=(java "${java_opts[@]}" -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1
  -cp "$jar" com.example.Train --epochs 1 --train-limit "$limit")
predict=(java "${java_opts[@]}" -cp "$jar" com.example.Predict)

# --- 1. cohort run: 2 ranks on this host ---------------------------------------------------------
# bin/cohort builds Cohort first if its sources changed; do that before the clock starts.
"$root/bin/cohort" help run >/dev/null
# Train resumes from the newest checkpoint in its run folder: start from an empty one.
run1="$here/target/run"
rm -rf "$run1"
t=$(now)
"$root/bin/cohort" run --nproc 2 --run-dir "$run1" -- "${train[@]}" 2>&1 | tee "$here/target/cohort-run.log"
run_s=$(seconds_since "$t")
run_acc=$(accuracy_in "$here/target/cohort-run.log")
"${predict[@]}" "$run1/model" "$min_accuracy" | tee "$here/target/predict-run.log"
run_predict=$(awk '{print $2}' "$here/target/predict-run.log")
summary="cohort run (2 ranks): test accuracy $run_acc in $run_s s, Predict $run_predict"

# --- 2. srun: the same program as 2 tasks of a real single-node Slurm ----------------------------
# up.sh writes /etc/slurm/slurm.conf: only where that is Cohort's own (or there is none yet).
conf=/etc/slurm/slurm.conf
if [ "$(id -u)" = 0 ] && command -v srun >/dev/null 2>&1 && command -v slurmctld >/dev/null 2>&1 \
  && [ -x "$root/.ci/slurm/up.sh" ] \
  && { [ ! -f "$conf" ] || grep -qxF "# Written by Cohort's .ci/slurm/up.sh" "$conf"; }; then
  trap '"$root/.ci/slurm/down.sh"' EXIT
  "$root/.ci/slurm/up.sh"
  # Rank 0 hosts the store on MASTER_PORT (MASTER_ADDR defaults to 127.0.0.1): find a free port.
  while :; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
  done
  run2="$here/target/run-srun"
  rm -rf "$run2"
  t=$(now)
  # The tasks take their world from SLURM_PROCID and SLURM_NTASKS; any variable of another
  # launcher is removed, so that it cannot be what formed the world.
  env -u RANK -u WORLD_SIZE -u LOCAL_RANK -u COHORT_LAUNCHER_STORE -u COHORT_GENERATION \
    -u COHORT_RUN_DIR -u COHORT_RESTART_COUNT \
    -u OMPI_COMM_WORLD_RANK -u OMPI_COMM_WORLD_SIZE -u OMPI_COMM_WORLD_LOCAL_RANK \
    COHORT_SECRET="$(head -c16 /dev/urandom | od -An -tx1 | tr -d ' \n')" MASTER_PORT="$port" \
    srun --job-name="own-model-$$" -n 2 --overcommit --kill-on-bad-exit=1 --input=none --label \
    --time=10 --export=ALL "${train[@]}" --run-dir "$run2" 2>&1 | tee "$here/target/srun.log"
  srun_s=$(seconds_since "$t")
  srun_acc=$(accuracy_in "$here/target/srun.log")
  "${predict[@]}" "$run2/model" "$min_accuracy" | tee "$here/target/predict-srun.log"
  srun_predict=$(awk '{print $2}' "$here/target/predict-srun.log")
  summary="$summary; srun (2 tasks): test accuracy $srun_acc in $srun_s s, Predict $srun_predict"
else
  summary="$summary; srun: skipped (needs root, Slurm, $root/.ci/slurm/up.sh and no foreign $conf)"
fi

say "passed: $summary (Predict on 1000 test images, required >= $min_accuracy)"
