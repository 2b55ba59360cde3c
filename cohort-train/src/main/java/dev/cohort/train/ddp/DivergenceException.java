package dev.cohort.train.ddp;

/** Ranks that should hold identical parameters do not: a bug, a bad node, or nondeterminism. */
public class DivergenceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DivergenceException(String message) {
    super(message);
  }
}
