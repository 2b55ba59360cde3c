package dev.cohort.comm.auth;

/**
 * What an accept loop does when {@code accept()} or starting a connection's thread throws (too many
 * open files, "unable to create native thread", out of memory): the caller closes what it accepted
 * and waits the delay returned here before accepting again, 10 ms doubling to 1 s, back to 10 ms
 * after the next success. The loop itself never ends on such a failure, so the listener serves
 * again as soon as the resource returns. One warning line per second at most.
 *
 * <p>Not thread-safe: one per accept loop.
 */
public final class AcceptBackoff {
  public static final long FIRST_DELAY_MS = 10;
  public static final long MAX_DELAY_MS = 1000;

  private final RateLimitedLog log;
  private final String who;
  private long nextDelayMs = FIRST_DELAY_MS;

  /**
   * @param who names the listener in the warning, e.g. "store 127.0.0.1:29500"
   */
  public AcceptBackoff(System.Logger log, String who) {
    this.log = new RateLimitedLog(log);
    this.who = who;
  }

  /** The loop accepted and handed off a connection: the next failure waits the shortest delay. */
  public void succeeded() {
    nextDelayMs = FIRST_DELAY_MS;
  }

  /**
   * Logs the failure (rate-limited) and returns how long to wait before accepting again.
   *
   * @return the delay in milliseconds
   */
  public long failed(Throwable cause) {
    long delayMs = nextDelayMs;
    nextDelayMs = Math.min(MAX_DELAY_MS, nextDelayMs * 2);
    log.warn(
        who + " could not accept a connection (" + cause + "); retrying in " + delayMs + " ms");
    return delayMs;
  }
}
