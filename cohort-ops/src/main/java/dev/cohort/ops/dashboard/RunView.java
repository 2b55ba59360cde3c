package dev.cohort.ops.dashboard;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.cohort.ops.watch.Alert;
import java.util.List;

/**
 * What the dashboard page draws, as the JSON it polls: columns of numbers (uPlot's shape), at most
 * {@link RunViews#MAX_POINTS} points per series, newest last.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RunView(
    Run run,
    List<RankSeries> ranks,
    Series throughput,
    List<Breakdown> breakdown,
    List<Epoch> epochs,
    List<Segment> segments,
    List<Checkpoint> checkpoints,
    Experts experts,
    List<Alert> alerts) {

  /** The run as a whole. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Run(
      String folder,
      String model,
      int workers,
      String strategy,
      int stages,
      boolean live,
      boolean finished,
      long lastStep,
      long totalSteps,
      double samplesPerSecond,
      Double testAccuracy,
      long budgetBytes,
      long hostBytes,
      long nowMillis) {}

  /** One rank's steps. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record RankSeries(
      int rank,
      int stage,
      long[] step,
      double[] loss,
      double[] stepMs,
      double[] waitMs,
      double[] commMs,
      double[] rssMib) {}

  /** A quantity by step. */
  public record Series(long[] step, double[] value) {}

  /** A rank's mean step over the last steps, by phase (ms). */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Breakdown(
      int rank,
      int stage,
      double dataMs,
      double computeMs,
      double commMs,
      double waitMs,
      double optimizerMs,
      double otherMs,
      double stepMs,
      boolean straggler) {}

  /** An evaluated epoch, at the step it ended. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Epoch(int epoch, long step, Double trainLoss, double testAccuracy) {}

  /** A start of the workers: the first, a resume or a restart after a failure. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Segment(long startStep, String reason, long startedAtMillis) {}

  /** A committed checkpoint; {@code seconds} from its step's end to its commit, when known. */
  public record Checkpoint(long step, int stage, String created, long bytes, Double seconds) {}

  /** A mixture of experts' routing (null without experts). */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Experts(
      long[] step, double[] busiestOverMean, double[] dropped, long[] lastTokens) {}
}
