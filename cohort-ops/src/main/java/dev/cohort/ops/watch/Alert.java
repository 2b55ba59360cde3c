package dev.cohort.ops.watch;

/**
 * Something a person watching the run should look at.
 *
 * @param kind what it is about
 * @param rank the rank it concerns, or -1 for the whole run
 * @param step the step it was seen at, or -1
 * @param message one line that says what and how much
 */
public record Alert(Kind kind, int rank, long step, String message) {
  /** What an alert is about; the name is what the page and the tests see. */
  public enum Kind {
    /** A loss that is NaN or infinite: training has diverged. */
    NAN,
    /** A loss far above the recent median. */
    SPIKE,
    /** A rank the others keep waiting for. */
    STRAGGLER,
    /** A rank that has not finished a step for much longer than steps take. */
    HEARTBEAT,
    /** Memory near the budget, or near what the machine has. */
    MEMORY
  }
}
