package dev.cohort.comm;

/**
 * Bytes on a connection did not follow Cohort's protocol: a bad magic number, an unknown opcode, a
 * length beyond the bound, a truncated frame. The connection is closed; the data is never trusted.
 */
public class ProtocolException extends CommException {
  private static final long serialVersionUID = 1L;

  public ProtocolException(String message) {
    super(message);
  }
}
