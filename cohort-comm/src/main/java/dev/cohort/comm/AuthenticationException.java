package dev.cohort.comm;

/** The peer did not prove knowledge of the shared secret, or no secret is configured. */
public class AuthenticationException extends CommException {
  private static final long serialVersionUID = 1L;

  public AuthenticationException(String message) {
    super(message);
  }
}
