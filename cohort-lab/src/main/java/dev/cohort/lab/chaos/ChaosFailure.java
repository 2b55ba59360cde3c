package dev.cohort.lab.chaos;

/**
 * A chaos run found what it is there to find: a worker that outlived its launcher, a run that did
 * not notice a kill, a resume from older than the newest checkpoint, a result that differs from the
 * uninterrupted run's. The message is one line: what failed, where to look.
 */
public final class ChaosFailure extends Exception {
  public ChaosFailure(String message) {
    super(message);
  }
}
