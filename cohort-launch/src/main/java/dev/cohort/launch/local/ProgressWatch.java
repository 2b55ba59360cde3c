package dev.cohort.launch.local;

import java.util.OptionalInt;

/** Says when a world has stopped making progress, and which rank to blame. */
interface ProgressWatch {
  /** Looks at the ranks now; the hung rank if the world has stalled past the timeout. */
  OptionalInt poll();

  /** Why rank {@code r} counts as hung, e.g. "no progress for 300 s after step 12". */
  String why(int r);
}
