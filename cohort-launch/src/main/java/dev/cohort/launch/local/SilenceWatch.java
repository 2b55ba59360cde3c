package dev.cohort.launch.local;

import dev.cohort.launch.spawn.RankProcesses;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * Hang detection for programs that publish no heartbeat: the world counts as hung when none of its
 * running ranks has written any output for the timeout, and the rank silent longest is blamed (in a
 * hung world the others are usually waiting for it). One quiet rank is not a hang as long as
 * another still writes, so a program where only rank 0 logs is safe; a program that is silent for
 * longer than the timeout is not.
 */
final class SilenceWatch implements ProgressWatch {
  private final OutputTee[] tees;
  private final RankProcesses procs;
  private final long timeoutNanos;
  private long silentNanos;

  SilenceWatch(OutputTee[] tees, RankProcesses procs, Duration timeout) {
    this.tees = tees;
    this.procs = procs;
    this.timeoutNanos = timeout.toNanos();
  }

  @Override
  public OptionalInt poll() {
    if (timeoutNanos == 0) {
      return OptionalInt.empty();
    }
    long now = System.nanoTime();
    int culprit = -1;
    long longest = -1;
    for (int r = 0; r < tees.length; r++) {
      if (!procs.get(r).isAlive()) {
        continue; // a rank that has finished is not hung
      }
      long silent = now - tees[r].lastOutputNanos();
      if (silent <= timeoutNanos) {
        return OptionalInt.empty();
      }
      if (silent > longest) {
        longest = silent;
        culprit = r;
      }
    }
    silentNanos = longest;
    return culprit < 0 ? OptionalInt.empty() : OptionalInt.of(culprit);
  }

  @Override
  public String why(int r) {
    return "no rank wrote any output for "
        + Duration.ofNanos(timeoutNanos).toSeconds()
        + " s (rank "
        + r
        + " has been silent longest, "
        + Duration.ofNanos(silentNanos).toSeconds()
        + " s)";
  }
}
