package dev.cohort.comm;

/**
 * Root of Cohort's communication failures. Unchecked: a collective that fails cannot be retried in
 * place, so callers either let it abort the job or catch it at the training-loop level to restart.
 *
 * <p>Messages always say who (rank, peer rank and address), what (operation and its sequence
 * number) and why (cause, elapsed time against the timeout), so that a log line alone names the
 * culprit.
 */
public class CommException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CommException(String message) {
    super(message);
  }

  public CommException(String message, Throwable cause) {
    super(message, cause);
  }
}
