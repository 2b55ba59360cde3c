package dev.cohort.comm;

/** A peer closed its connection or died while this rank still expected data from it. */
public class PeerClosedException extends CommException {
  private static final long serialVersionUID = 1L;

  public PeerClosedException(String message, Throwable cause) {
    super(message, cause);
  }
}
