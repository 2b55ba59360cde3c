package dev.cohort.train.data;

import java.util.SplittableRandom;

/**
 * Decides which samples each rank trains on, batch by batch.
 *
 * <p>Each epoch shuffles all indices with a generator seeded from (seed, epoch), the same on every
 * rank. Global batch g is positions [g·B, (g+1)·B) of that order, and rank r takes the r-th
 * contiguous slice of it, B/N samples. So N workers with batch B/N see exactly the samples that one
 * worker with batch B sees, in the same steps: the basis of data-parallel equivalence.
 *
 * <p>Remainder: with {@link Remainder#DROP} the last incomplete global batch is skipped; with
 * {@link Remainder#PAD} it is completed with samples from the start of the order, so every sample
 * is seen at least once. The position (epoch, batch) is a plain pair that can be saved and resumed.
 */
public final class DistributedSampler {

  /** What happens to a last global batch that is not full. */
  public enum Remainder {
    DROP,
    PAD
  }

  private final int datasetSize;
  private final int globalBatch;
  private final int rank;
  private final int worldSize;
  private final long seed;
  private final Remainder remainder;
  private final boolean shuffle;

  /**
   * @throws IllegalArgumentException if the global batch does not split evenly over the ranks, or
   *     the data set cannot fill one batch
   */
  public DistributedSampler(
      int datasetSize,
      int globalBatch,
      int rank,
      int worldSize,
      long seed,
      Remainder remainder,
      boolean shuffle) {
    if (worldSize < 1 || rank < 0 || rank >= worldSize) {
      throw new IllegalArgumentException("rank " + rank + " of world size " + worldSize);
    }
    if (globalBatch < worldSize || globalBatch % worldSize != 0) {
      throw new IllegalArgumentException(
          "the global batch ("
              + globalBatch
              + ") must be a positive "
              + "multiple of the number of workers ("
              + worldSize
              + ")");
    }
    if (datasetSize < globalBatch && remainder == Remainder.DROP) {
      throw new IllegalArgumentException(
          "the data set ("
              + datasetSize
              + " samples) cannot fill "
              + "one global batch of "
              + globalBatch);
    }
    this.datasetSize = datasetSize;
    this.globalBatch = globalBatch;
    this.rank = rank;
    this.worldSize = worldSize;
    this.seed = seed;
    this.remainder = remainder;
    this.shuffle = shuffle;
  }

  /** Batches per epoch, the same on every rank. */
  public int batchesPerEpoch() {
    return remainder == Remainder.DROP
        ? datasetSize / globalBatch
        : (datasetSize + globalBatch - 1) / globalBatch;
  }

  public int localBatch() {
    return globalBatch / worldSize;
  }

  /** The order of all samples in {@code epoch}. */
  public int[] order(int epoch) {
    int[] idx = new int[datasetSize];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    if (shuffle) {
      // Fisher-Yates with a generator that depends only on (seed, epoch).
      SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
      for (int i = idx.length - 1; i > 0; i--) {
        int j = rnd.nextInt(i + 1);
        int t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
      }
    }
    return idx;
  }

  /**
   * This rank's sample indices for batch {@code batch} of an epoch whose order is {@code order}.
   */
  public int[] localIndices(int[] order, int batch) {
    if (batch < 0 || batch >= batchesPerEpoch()) {
      throw new IndexOutOfBoundsException("batch " + batch + " of " + batchesPerEpoch());
    }
    int local = localBatch();
    int[] out = new int[local];
    int start = batch * globalBatch + rank * local;
    for (int i = 0; i < local; i++) {
      out[i] = order[(start + i) % datasetSize];
    }
    return out;
  }

  /** Where a run stands, to save in a checkpoint and resume from. */
  public record Position(int epoch, int batch) {}
}
