package dev.cohort.comm;

/**
 * Ranks disagreed about a collective: a different operation, data type, element count or root, or a
 * different order of calls. Every rank must issue the same collectives in the same order.
 */
public class CollectiveMismatchException extends CommException {
  private static final long serialVersionUID = 1L;

  public CollectiveMismatchException(String message) {
    super(message);
  }
}
