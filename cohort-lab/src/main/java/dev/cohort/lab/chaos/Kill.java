package dev.cohort.lab.chaos;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One SIGKILL and what followed.
 *
 * @param number counted from 1 within its target
 * @param victimPid the process killed: a worker, or the launcher
 * @param stepReached steps the world had recorded (metrics.csv) once no worker ran any more
 * @param newestCheckpoint the step of the newest complete checkpoint at that moment: where the
 *     resumed run must start for nothing to be lost beyond it
 * @param checkpointCutShort whether a checkpoint write was cut short by the kill (its temporary
 *     folder was left behind): the steps since the newest complete checkpoint then exceed the
 *     interval
 * @param resumedFrom the step the resumed run started from, as its segment in summary.json says (-1
 *     until read)
 * @param detectSeconds from the SIGKILL until the first process noticed: the launcher stopped the
 *     world (workers killed) or the first worker exited (launcher killed)
 * @param goneSeconds from the SIGKILL until no worker process of the world ran any more
 * @param restartSeconds from then until the resumed run had trained a step (JVM starts, DJL load,
 *     rendezvous, checkpoint load)
 */
record Kill(
    int number,
    long victimPid,
    long stepReached,
    long newestCheckpoint,
    boolean checkpointCutShort,
    long resumedFrom,
    double detectSeconds,
    double goneSeconds,
    double restartSeconds) {

  /** Steps trained after the checkpoint the run resumed from, which were redone. */
  @JsonProperty("stepsLost")
  long stepsLost() {
    return stepReached - (resumedFrom >= 0 ? resumedFrom : newestCheckpoint);
  }

  /** The same kill, with the step its resumed run started from. */
  Kill withResumedFrom(long step) {
    return new Kill(
        number,
        victimPid,
        stepReached,
        newestCheckpoint,
        checkpointCutShort,
        step,
        detectSeconds,
        goneSeconds,
        restartSeconds);
  }
}
