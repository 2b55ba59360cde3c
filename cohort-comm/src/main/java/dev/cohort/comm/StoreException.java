package dev.cohort.comm;

/** The rendezvous store could not be reached or refused an operation. */
public class StoreException extends CommException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
