package dev.cohort.comm;

/** Re-wording a failure without losing its kind, so callers can still catch the specific type. */
public final class Failures {
  private Failures() {}

  /** A new exception of the same kind as {@code e}, with {@code message} and {@code e} as cause. */
  public static CommException sameKind(CommException e, String message) {
    CommException copy;
    if (e instanceof CommTimeoutException) {
      copy = new CommTimeoutException(message, e);
    } else if (e instanceof PeerClosedException) {
      copy = new PeerClosedException(message, e);
    } else if (e instanceof StoreException) {
      copy = new StoreException(message, e);
    } else if (e instanceof CollectiveMismatchException) {
      copy = new CollectiveMismatchException(message);
      copy.initCause(e);
    } else if (e instanceof ProtocolException) {
      copy = new ProtocolException(message);
      copy.initCause(e);
    } else if (e instanceof AuthenticationException) {
      copy = new AuthenticationException(message);
      copy.initCause(e);
    } else if (e instanceof WorldFormationException) {
      copy = new WorldFormationException(message);
      copy.initCause(e);
    } else {
      copy = new CommException(message, e);
    }
    return copy;
  }
}
