package dev.cohort.comm.group;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.cohort.comm.CommException;
import dev.cohort.comm.Failures;
import dev.cohort.comm.Store;
import java.util.Arrays;

/**
 * The group's shared record of its first failure, kept in the store under {@code failure}. The
 * first rank to report wins; every later report is returned with the first one appended, so a rank
 * that only saw a neighbour close still names the rank that actually died.
 */
final class FailureReports {
  private static final System.Logger LOG = System.getLogger(FailureReports.class.getName());

  private FailureReports() {}

  /**
   * Reports {@code e} if it is the first; returns {@code e}, or {@code e} plus the first report.
   */
  static RuntimeException withFirstReport(Store store, int rank, RuntimeException e) {
    try {
      String who = "rank " + rank + ": ";
      String text = String.valueOf(e.getMessage());
      byte[] mine = (text.startsWith(who) ? text : who + text).getBytes(UTF_8);
      byte[] first = store.compareAndSet("failure", null, mine);
      if (first != null && !Arrays.equals(first, mine)) {
        String message =
            e.getMessage()
                + " [first failure reported in the group: "
                + new String(first, UTF_8)
                + "]";
        return e instanceof CommException ce
            ? Failures.sameKind(ce, message)
            : new CommException(message, e);
      }
    } catch (RuntimeException storeDown) {
      // The store may have died with the failing rank; the local error still names the peer.
      LOG.log(System.Logger.Level.DEBUG, "could not report failure to the store", storeDown);
    }
    return e;
  }
}
