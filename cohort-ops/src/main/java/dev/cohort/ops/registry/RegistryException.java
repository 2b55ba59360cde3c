package dev.cohort.ops.registry;

/**
 * A registry operation failed. The message is one line naming what failed, the registry (file or
 * URL without its password) and what to do; when it says "nothing was changed", the operation's
 * transaction was rolled back completely.
 */
public final class RegistryException extends RuntimeException {

  /** Creates an exception with a complete, user-facing message. */
  public RegistryException(String message) {
    super(message);
  }

  /** Creates an exception with a complete, user-facing message and its cause. */
  public RegistryException(String message, Throwable cause) {
    super(message, cause);
  }
}
