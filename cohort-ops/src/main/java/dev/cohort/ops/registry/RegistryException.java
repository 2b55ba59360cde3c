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

  /**
   * The first line of a library's message, stripped (drivers and parsers add context on further
   * lines, such as PostgreSQL's "Where:"): the registry's messages stay one line.
   */
  static String firstLine(String message) {
    String text = String.valueOf(message).strip();
    int end = text.indexOf('\n');
    return end < 0 ? text : text.substring(0, end).strip();
  }
}
