package dev.cohort.launch.local;

/**
 * How a launch ended.
 *
 * @param exitCode 0 when every worker succeeded; else the failing worker's exit status, or -1 for a
 *     hung worker
 * @param failedRank the failing (or hung) rank, -1 when none failed
 * @param report one paragraph for the user: who failed, how, and its last log lines
 */
public record Outcome(int exitCode, int failedRank, String report) {

  /** True when every worker succeeded. */
  public boolean succeeded() {
    return exitCode == 0;
  }
}
