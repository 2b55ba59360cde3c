package dev.cohort.lab.net;

/**
 * One direction of one emulated link: bytes leave at {@code rate} after an initial burst, the way a
 * NIC serializes packets. Callers reserve the link's time for their bytes and sleep until their
 * reservation ends; reservations queue, so concurrent senders share the rate.
 */
final class TokenBucket {
  private final double nanosPerByte;
  private final long burstNanos;
  private double idleAt;

  /**
   * @param bytesPerSecond the link rate
   * @param burstBytes bytes that may go at once on an idle link (a NIC queue's worth)
   */
  TokenBucket(double bytesPerSecond, long burstBytes) {
    if (!(bytesPerSecond > 0)) {
      throw new IllegalArgumentException("rate must be > 0 bytes/s, got " + bytesPerSecond);
    }
    this.nanosPerByte = 1e9 / bytesPerSecond;
    this.burstNanos = (long) (burstBytes * nanosPerByte);
    this.idleAt = System.nanoTime();
  }

  /** Reserves the link for {@code bytes} and blocks until they may go. */
  void send(int bytes) throws InterruptedException {
    long until;
    synchronized (this) {
      long now = System.nanoTime();
      idleAt = Math.max(idleAt, now) + bytes * nanosPerByte;
      until = (long) idleAt - burstNanos;
    }
    sleepUntil(until);
  }

  /** Sleeps to a System.nanoTime() deadline; returns at once if it has passed. */
  static void sleepUntil(long deadline) throws InterruptedException {
    long left;
    while ((left = deadline - System.nanoTime()) > 0) {
      Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
    }
  }
}
