package dev.cohort.train.metrics;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a finished run measured, as rank 0 writes it to {@value #FILE} and every rank returns it.
 * JSON names are the components' names in snake_case ({@code final_test_accuracy}); the docs and
 * the lab read them, so they do not change. Times are seconds unless the name says otherwise.
 *
 * @param epochs one entry per evaluated epoch
 * @param steps optimizer steps trained
 * @param stoppedOnRequestAfterStep the step after which SIGTERM stopped the run (null: it was not
 *     stopped, and the field is left out)
 * @param trainSeconds time inside training steps, summed over steps
 * @param wallSeconds the whole run as rank 0 saw it, evaluation and checkpoints included
 * @param samplesPerSecond training samples per second over all workers
 * @param stepTimeMs the mean step split into its phases
 * @param peakMemoryBytesPerWorker peak resident memory of each rank (-1 where unknown)
 * @param finalTestAccuracy test accuracy after the last epoch (null: no epoch was evaluated)
 * @param finalTrainAccuracy accuracy on the training set at the end
 * @param shiftedTestAccuracy accuracy on shifted test sets, by shift name, sorted
 * @param finalTrainLoss mean training loss of the last epoch (null: left out)
 * @param checkpoints what checkpointing cost (null: none written, left out)
 * @param segments the parts of the run, each from a start (fresh, resumed or restarted) to where it
 *     stopped, in order (null: left out, as in summaries of older versions). A run with several
 *     segments is described whole: its epochs are every epoch evaluated, by their real number; its
 *     steps and times cover each step once (steps redone after a resume count once)
 * @param experts how a mixture of experts routed over the run (null: no experts, left out)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RunSummary(
    EffectiveConfig config,
    List<Epoch> epochs,
    int steps,
    @JsonInclude(JsonInclude.Include.NON_NULL) Integer stoppedOnRequestAfterStep,
    double trainSeconds,
    double wallSeconds,
    double samplesPerSecond,
    StepTimes stepTimeMs,
    List<Long> peakMemoryBytesPerWorker,
    Double finalTestAccuracy,
    double finalTrainAccuracy,
    Map<String, Double> shiftedTestAccuracy,
    @JsonInclude(JsonInclude.Include.NON_NULL) Double finalTrainLoss,
    @JsonInclude(JsonInclude.Include.NON_NULL) CheckpointCost checkpoints,
    @JsonInclude(JsonInclude.Include.NON_NULL) List<Segment> segments,
    @JsonInclude(JsonInclude.Include.NON_NULL) ExpertLoad experts,
    @JsonInclude(JsonInclude.Include.NON_NULL) Traffic traffic) {

  /** The file in a run folder. */
  public static final String FILE = "summary.json";

  /** A summary of one segment, without the list of segments. */
  public RunSummary(
      EffectiveConfig config,
      List<Epoch> epochs,
      int steps,
      Integer stoppedOnRequestAfterStep,
      double trainSeconds,
      double wallSeconds,
      double samplesPerSecond,
      StepTimes stepTimeMs,
      List<Long> peakMemoryBytesPerWorker,
      Double finalTestAccuracy,
      double finalTrainAccuracy,
      Map<String, Double> shiftedTestAccuracy,
      Double finalTrainLoss,
      CheckpointCost checkpoints) {
    this(
        config,
        epochs,
        steps,
        stoppedOnRequestAfterStep,
        trainSeconds,
        wallSeconds,
        samplesPerSecond,
        stepTimeMs,
        peakMemoryBytesPerWorker,
        finalTestAccuracy,
        finalTrainAccuracy,
        shiftedTestAccuracy,
        finalTrainLoss,
        checkpoints,
        null,
        null,
        null);
  }

  /** The same summary with a mixture of experts' routing. */
  public RunSummary withExperts(ExpertLoad load) {
    return new RunSummary(
        config,
        epochs,
        steps,
        stoppedOnRequestAfterStep,
        trainSeconds,
        wallSeconds,
        samplesPerSecond,
        stepTimeMs,
        peakMemoryBytesPerWorker,
        finalTestAccuracy,
        finalTrainAccuracy,
        shiftedTestAccuracy,
        finalTrainLoss,
        checkpoints,
        segments,
        load,
        traffic);
  }

  /** The same summary with the data-parallel gradient sync's traffic. */
  public RunSummary withTraffic(Traffic sent) {
    return new RunSummary(
        config,
        epochs,
        steps,
        stoppedOnRequestAfterStep,
        trainSeconds,
        wallSeconds,
        samplesPerSecond,
        stepTimeMs,
        peakMemoryBytesPerWorker,
        finalTestAccuracy,
        finalTrainAccuracy,
        shiftedTestAccuracy,
        finalTrainLoss,
        checkpoints,
        segments,
        experts,
        sent);
  }

  /**
   * What rank 0 sent per training step (the gradient sync, ZeRO's gathers, clipping's norm and the
   * buffers; not the stop checks between steps), against what the algorithm must send: a ring
   * all-reduce, or a reduce-scatter and an all-gather, of Ψ floats sends 2(N-1)/N x 4Ψ bytes per
   * worker; ZeRO-3's two all-gathers and one reduce-scatter 3(N-1)/N x 4Ψ. Counted by the process
   * group: a shared-memory all-reduce in place (the plain path on one host) sends nothing through
   * it.
   *
   * @param sentBytesPerStep measured, the mean over the run's steps
   * @param formulaBytesPerStep by the formula, for Ψ padded as the run pads it
   * @param formula e.g. "3(N-1)/N x 4Ψ"
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Traffic(long sentBytesPerStep, long formulaBytesPerStep, String formula) {}

  /** Why a segment started. */
  public enum Reason {
    /** The run's first start, from step 0. */
    @JsonProperty("fresh")
    FRESH,
    /** {@code --resume}: a run that had stopped goes on from its newest checkpoint. */
    @JsonProperty("resume")
    RESUME,
    /**
     * The launcher restarted the world after a failure (a worker died or hung), from the newest
     * checkpoint or, without one, from step 0.
     */
    @JsonProperty("restart")
    RESTART
  }

  /**
   * One part of a run, from one start of the workers to where they stopped.
   *
   * @param startStep the step it started from (that of the checkpoint it resumed from; 0 when
   *     fresh)
   * @param endStep the steps done when it stopped (finished, stopped, or failed: steps after the
   *     next segment's start step were redone)
   * @param reason why it started
   * @param wallSeconds how long it ran
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Segment(long startStep, long endStep, Reason reason, double wallSeconds) {}

  /**
   * One epoch.
   *
   * @param epoch counted from 1
   * @param trainLoss mean training loss (null where not recorded)
   * @param trainSeconds time in training steps from the start of the run to the end of this epoch
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Epoch(int epoch, Double trainLoss, double testAccuracy, double trainSeconds) {}

  /**
   * Milliseconds of a mean step on rank 0, by phase; {@code step} is the whole step, wall time, and
   * the phases add up to it.
   *
   * @param waiting waiting for the slowest rank, written as {@code wait}
   * @param other what no phase accounts for (see {@link StepRecord#otherNanos}); 0 in summaries of
   *     versions that did not record it
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record StepTimes(
      double data,
      double forwardBackward,
      double communication,
      @JsonProperty("wait") double waiting,
      double optimizer,
      double other,
      double step) {

    /** The share of the step that the named phases (all but other) account for, 0 to 1. */
    public double accounted() {
      return step <= 0 ? 1 : Math.min(1, (step - other) / step);
    }
  }

  /**
   * What checkpointing cost.
   *
   * @param written checkpoints written
   * @param bytesEach size of one checkpoint
   * @param snapshotMsMean mean time the training thread spent copying the state to memory
   * @param backgroundWriteMsMean mean time of the background write
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record CheckpointCost(
      int written, long bytesEach, double snapshotMsMean, double backgroundWriteMsMean) {}

  /** Writes {@code file} as indented JSON. */
  public void write(Path file) throws IOException {
    RunJson.write(this, file);
  }

  /** Reads a summary.json; fields it does not know are ignored, missing ones are null or 0. */
  public static RunSummary read(Path file) throws IOException {
    return RunJson.read(file, RunSummary.class);
  }
}
