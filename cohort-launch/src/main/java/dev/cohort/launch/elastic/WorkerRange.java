package dev.cohort.launch.elastic;

/**
 * How many workers a run may have: exactly N, or between MIN and MAX when elastic (a lost worker's
 * slot does not come back, as when a node dies).
 *
 * @param min fewest workers the run may go on with
 * @param max workers it starts with
 * @param elastic whether it shrinks on failure ({@code MIN:MAX} was given) or restarts at {@code
 *     max}
 */
public record WorkerRange(int min, int max, boolean elastic) {
  /** The most workers one launcher starts on a host. */
  public static final int MAX_WORKERS = 256;

  public WorkerRange {
    if (min < 1 || max > MAX_WORKERS || min > max) {
      throw new IllegalArgumentException(
          "--nproc must be between 1 and "
              + MAX_WORKERS
              + " (MIN <= MAX), got "
              + (elastic ? min + ":" + max : String.valueOf(max)));
    }
  }

  /**
   * Parses {@code N} or {@code MIN:MAX}.
   *
   * @throws IllegalArgumentException with a one-line message naming --nproc
   */
  public static WorkerRange parse(String spec) {
    String[] parts = spec.split(":", 2);
    try {
      int max = Integer.parseInt(parts[parts.length - 1].strip());
      int min = parts.length == 2 ? Integer.parseInt(parts[0].strip()) : max;
      return new WorkerRange(min, max, parts.length == 2);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--nproc must be N or MIN:MAX, got " + spec);
    }
  }
}
