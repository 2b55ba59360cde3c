package dev.cohort.train.ddp;

import ai.djl.engine.Engine;

/**
 * Randomness that resumes: before every step, the engine's generator (which dropout draws from) is
 * seeded from (seed, rank, step). Each rank gets its own stream, as it should (ranks drop different
 * units of different samples), and the state at a step boundary is a pure function of those three
 * numbers, so a run resumed from a checkpoint of step s draws exactly what the uninterrupted run
 * drew. The checkpoint records the seed and this scheme's name ({@link #SCHEME}); the step is its
 * position.
 */
public final class RandomStreams {
  /** The name checkpoints record, so a resume under another scheme is refused. */
  public static final String SCHEME = "splitmix64(seed, rank, step) per step";

  private RandomStreams() {}

  /** The seed of rank {@code rank}'s stream for step {@code step} (from 0). */
  static int seed(long seed, int rank, long step) {
    long z = mix(mix(mix(seed) ^ rank) ^ step);
    return (int) (z ^ (z >>> 32));
  }

  /** Seeds the engine for {@code step}. */
  public static void enterStep(long seed, int rank, long step) {
    Engine.getInstance().setRandomSeed(seed(seed, rank, step));
  }

  /**
   * Seeds the engine for segment {@code segment} of {@code step}: ZeRO-3 runs a segment twice (the
   * forward pass, then again in the backward pass), and both runs must draw the same dropout masks.
   */
  static void enterSegment(long seed, int rank, long step, int segment) {
    long z = mix(seed(seed, rank, step) ^ mix(segment));
    Engine.getInstance().setRandomSeed((int) (z ^ (z >>> 32)));
  }

  /** SplitMix64's finalizer: a bijection that scatters nearby inputs far apart. */
  private static long mix(long x) {
    long z = x + 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
