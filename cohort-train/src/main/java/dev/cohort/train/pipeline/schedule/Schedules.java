package dev.cohort.train.pipeline.schedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The built-in schedules, generated as each rank's forwards and backwards in order, then lowered:
 * sends and receives inserted ({@link CommLowering}) and each stage's optimizer step appended.
 *
 * <ul>
 *   <li><b>GPipe</b>: every forward, then every backward. Holds all m micro-batches' activations.
 *   <li><b>1F1B</b> (PipeDream-flush): rank r runs p - 1 - r forwards to fill the pipeline, then
 *       alternates one forward and one backward, then drains. Same bubble as GPipe, (p-1)/(m+p-1)
 *       of the step, but at most p - r micro-batches in flight.
 *   <li><b>Interleaved 1F1B</b>: v stages per rank, micro-batches in rounds of p through each of a
 *       rank's stages in turn; bubble (p-1)/(v m + p-1), for v times the transfers. Needs m a
 *       multiple of p.
 * </ul>
 */
public final class Schedules {
  /** Names accepted by {@link #byName}. */
  public static final List<String> NAMES = List.of("gpipe", "1f1b", "interleaved-1f1b");

  private Schedules() {}

  /**
   * @throws IllegalArgumentException for an unknown name, or sizes the schedule cannot take
   */
  public static Schedule byName(String name, int ranks, int virtualStages, int microBatches) {
    String n = name.toLowerCase(Locale.ROOT);
    if (!n.equals("interleaved-1f1b") && virtualStages != 1) {
      throw new IllegalArgumentException(
          name
              + " runs one stage per rank; virtual stages ("
              + virtualStages
              + ") need interleaved-1f1b");
    }
    return switch (n) {
      case "gpipe" -> gpipe(ranks, microBatches);
      case "1f1b" -> oneForwardOneBackward(ranks, microBatches);
      case "interleaved-1f1b" -> interleaved(ranks, virtualStages, microBatches);
      default ->
          throw new IllegalArgumentException(
              "unknown pipeline schedule '" + name + "'; choose one of " + NAMES);
    };
  }

  /** GPipe: all forwards, then all backwards, on each rank. */
  public static Schedule gpipe(int ranks, int microBatches) {
    StageLayout layout = new StageLayout(ranks, 1);
    List<List<Action>> compute = new ArrayList<>();
    for (int r = 0; r < ranks; r++) {
      List<Action> a = new ArrayList<>();
      for (int m = 0; m < microBatches; m++) {
        a.add(Action.forward(r, m));
      }
      for (int m = 0; m < microBatches; m++) {
        a.add(Action.backward(r, m));
      }
      compute.add(a);
    }
    return lower(new Schedule("gpipe", layout, microBatches, compute));
  }

  /** 1F1B (PipeDream-flush): warm-up forwards, one forward and one backward, drain. */
  public static Schedule oneForwardOneBackward(int ranks, int microBatches) {
    StageLayout layout = new StageLayout(ranks, 1);
    List<List<Action>> compute = new ArrayList<>();
    for (int r = 0; r < ranks; r++) {
      int warmup = Math.min(ranks - 1 - r, microBatches);
      List<Action> a = new ArrayList<>();
      for (int m = 0; m < warmup; m++) {
        a.add(Action.forward(r, m));
      }
      for (int m = 0; m < microBatches - warmup; m++) {
        a.add(Action.forward(r, warmup + m));
        a.add(Action.backward(r, m));
      }
      for (int m = microBatches - warmup; m < microBatches; m++) {
        a.add(Action.backward(r, m));
      }
      compute.add(a);
    }
    return lower(new Schedule("1f1b", layout, microBatches, compute));
  }

  /**
   * Interleaved 1F1B: the k-th forward of a rank is micro-batch {@code (k / (p v)) p + k % p} on
   * its stage {@code (k / p) % v}; backwards walk the stages in reverse. Rank r first runs {@code
   * (v - 1) p + 2 (p - 1 - r)} forwards, then alternates.
   *
   * @throws IllegalArgumentException if m is not a multiple of p
   */
  public static Schedule interleaved(int ranks, int virtualStages, int microBatches) {
    StageLayout layout = new StageLayout(ranks, virtualStages);
    if (microBatches % ranks != 0) {
      throw new IllegalArgumentException(
          "interleaved 1F1B runs micro-batches in rounds of "
              + ranks
              + " (the ranks); "
              + microBatches
              + " micro-batches is not a multiple: use "
              + (microBatches / ranks + 1) * ranks
              + " or another schedule");
    }
    int total = microBatches * virtualStages;
    List<List<Action>> compute = new ArrayList<>();
    for (int r = 0; r < ranks; r++) {
      int warmup = Math.min(total, (virtualStages - 1) * ranks + 2 * (ranks - 1 - r));
      List<Action> a = new ArrayList<>();
      for (int k = 0; k < warmup; k++) {
        a.add(interleavedForward(layout, r, k));
      }
      for (int k = 0; k < total - warmup; k++) {
        a.add(interleavedForward(layout, r, warmup + k));
        a.add(interleavedBackward(layout, r, k));
      }
      for (int k = total - warmup; k < total; k++) {
        a.add(interleavedBackward(layout, r, k));
      }
      compute.add(a);
    }
    return lower(new Schedule("interleaved-1f1b", layout, microBatches, compute));
  }

  private static Action interleavedForward(StageLayout l, int rank, int k) {
    int p = l.ranks();
    int chunk = (k / p) % l.virtualStages();
    return Action.forward(chunk * p + rank, (k / (p * l.virtualStages())) * p + k % p);
  }

  private static Action interleavedBackward(StageLayout l, int rank, int k) {
    int p = l.ranks();
    int chunk = l.virtualStages() - 1 - (k / p) % l.virtualStages();
    return Action.backward(chunk * p + rank, (k / (p * l.virtualStages())) * p + k % p);
  }

  /** Inserts the transfers and appends each stage's optimizer step. */
  static Schedule lower(Schedule compute) {
    Schedule s = CommLowering.apply(compute);
    List<List<Action>> out = new ArrayList<>();
    for (int r = 0; r < s.layout().ranks(); r++) {
      List<Action> a = new ArrayList<>(s.of(r));
      s.layout().stagesOf(r).forEach(stage -> a.add(Action.step(stage)));
      out.add(a);
    }
    return s.withRanks(out);
  }
}
