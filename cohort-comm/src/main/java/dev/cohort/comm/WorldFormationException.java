package dev.cohort.comm;

/**
 * Ranks could not form a world: duplicate rank, world-size mismatch, or missing ranks at deadline.
 */
public class WorldFormationException extends CommException {
  private static final long serialVersionUID = 1L;

  public WorldFormationException(String message) {
    super(message);
  }
}
