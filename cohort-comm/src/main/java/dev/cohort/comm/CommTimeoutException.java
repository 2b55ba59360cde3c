package dev.cohort.comm;

/** A blocking call did not finish within its deadline. */
public class CommTimeoutException extends CommException {
  private static final long serialVersionUID = 1L;

  public CommTimeoutException(String message) {
    super(message);
  }

  public CommTimeoutException(String message, Throwable cause) {
    super(message, cause);
  }
}
