package dev.cohort.train.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.cohort.train.data.text.TokenWindows;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * How a pipeline's steps take their windows of text: an order per epoch (a shuffle from the seed
 * and the epoch, the same on every rank), cut into micro-batches.
 *
 * @param microBatches micro-batches per step
 * @param rows windows per micro-batch
 * @param seed the run's seed
 */
public record TextBatches(int microBatches, int rows, int seed) {

  /** Windows per step of one pipeline. */
  public int perStep() {
    return microBatches * rows;
  }

  /** The micro-batches of windows {@code order[first, first + perStep)}, in {@code manager}. */
  public PipelineRank.MicroBatches take(
      NDManager manager, TokenWindows text, int[] order, int first) {
    List<NDArray> inputs = new ArrayList<>();
    List<NDArray> targets = new ArrayList<>();
    for (int k = 0; k < microBatches; k++) {
      int[] windows = new int[rows];
      for (int i = 0; i < windows.length; i++) {
        windows[i] = order[first + k * rows + i];
      }
      NDList xy = text.batch(manager, windows);
      inputs.add(xy.get(0));
      targets.add(xy.get(1));
    }
    return new PipelineRank.MicroBatches(inputs, targets);
  }

  /**
   * Windows {@code [first, first + count)} of {@code text} in order ({@code count} at most a
   * step's), as micro-batches of {@code rows} windows, the last one shorter if it must; none when
   * {@code count} is 0.
   */
  PipelineRank.MicroBatches range(NDManager manager, TokenWindows text, int first, int count) {
    List<NDArray> inputs = new ArrayList<>();
    List<NDArray> targets = new ArrayList<>();
    for (int at = 0; at < count; at += rows) {
      int[] windows = new int[Math.min(rows, count - at)];
      for (int i = 0; i < windows.length; i++) {
        windows[i] = first + at + i;
      }
      NDList xy = text.batch(manager, windows);
      inputs.add(xy.get(0));
      targets.add(xy.get(1));
    }
    return new PipelineRank.MicroBatches(inputs, targets);
  }

  /** Epoch {@code epoch}'s order of {@code n} windows: a shuffle from the seed and the epoch. */
  public int[] order(int n, int epoch) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Random r = new Random(seed * 1_000_003L + epoch);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }
}
