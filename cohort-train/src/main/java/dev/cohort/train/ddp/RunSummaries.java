package dev.cohort.train.ddp;

import dev.cohort.train.TrainConfig;
import dev.cohort.train.compress.CommHook;
import dev.cohort.train.metrics.EffectiveConfig;
import dev.cohort.train.metrics.RunSummary;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/** Turns a finished training's result into the {@link RunSummary} that rank 0 writes. */
final class RunSummaries {
  private RunSummaries() {}

  /**
   * What rank 0 sent per step against the formula for its algorithm (see {@link
   * RunSummary.Traffic}).
   *
   * @param sentPerStep measured, the mean over {@code steps} steps
   */
  static RunSummary.Traffic traffic(
      TrainConfig cfg, int workers, StepParts parts, long psi, long sentPerStep, long steps) {
    long padded = psi;
    if (parts.zero() != null) {
      ShardLayout layout = parts.zero().layout();
      padded = 0;
      for (int s = 0; s < layout.segments(); s++) {
        padded += layout.padded(s);
      }
    } else if (parts.sharded() != null) {
      padded = parts.sharded().bufferBytes() / Float.BYTES;
    }
    int passes = cfg.zero() == 3 ? 3 : 2;
    CommHook hook = parts.gradients() == null ? null : parts.gradients().hook();
    if (hook != null && hook.stepBytes() > 0 && steps > 0) {
      // The plain all-reduce for the first steps, then the hook's collectives.
      long plain = hook.plainStepsRun();
      long ring = 2L * (workers - 1) * Float.BYTES * psi / workers;
      return new RunSummary.Traffic(
          sentPerStep,
          (plain * ring + (steps - plain) * hook.stepBytes()) / steps,
          "plain steps 2(N-1)/N x 4Ψ, then the " + cfg.compression().kind().label() + " hook's");
    }
    if (!cfg.compression().none()) {
      // An all-to-all and an all-gather of 16-bit values, and a 16-bit scale per 256 of them.
      return new RunSummary.Traffic(
          sentPerStep,
          (workers - 1) * 4L * (padded + padded / 256) / workers,
          "(N-1)/N x 4Ψ x (1 + 1/256)");
    }
    if (cfg.localSgd() > 0) {
      // Every H steps the parameters and each kind of the optimizer's state, (1 + k) Ψ floats.
      long floats = (1 + cfg.optimizerStateFloatsPerParameter()) * padded;
      return new RunSummary.Traffic(
          sentPerStep,
          2 * (workers - 1) * Float.BYTES * floats / workers / cfg.localSgd(),
          "2(N-1)/N x 4(1 + k)Ψ / H");
    }
    return new RunSummary.Traffic(
        sentPerStep,
        passes * (workers - 1) * Float.BYTES * padded / workers,
        passes + "(N-1)/N x 4Ψ");
  }

  /**
   * @param workers the world size
   * @param wallSeconds the whole run as this rank saw it
   * @param peakMemory each rank's peak resident memory
   */
  static RunSummary of(
      TrainConfig cfg,
      int workers,
      DistributedTrainer.Result r,
      double wallSeconds,
      List<Long> peakMemory) {
    List<RunSummary.Epoch> epochs = new ArrayList<>();
    for (int e = 0; e < r.testAccuracy().size(); e++) {
      epochs.add(
          new RunSummary.Epoch(
              e + 1,
              e < r.trainLoss().size() ? r.trainLoss().get(e) : null,
              r.testAccuracy().get(e),
              r.epochSeconds().get(e)));
    }
    Double finalTestAccuracy =
        r.testAccuracy().isEmpty() ? null : r.testAccuracy().get(r.testAccuracy().size() - 1);
    Double finalTrainLoss =
        !r.trainLoss().isEmpty() && !r.testAccuracy().isEmpty()
            ? r.trainLoss().get(r.trainLoss().size() - 1)
            : null;
    RunSummary.CheckpointCost checkpoints =
        r.checkpoints() != null && r.checkpoints().count() > 0
            ? new RunSummary.CheckpointCost(
                r.checkpoints().count(),
                r.checkpoints().bytesEach(),
                r.checkpoints().snapshotMillisMean(),
                r.checkpoints().writeMillisMean())
            : null;
    double trainSeconds = r.breakdown().seconds();
    return new RunSummary(
        EffectiveConfig.of(cfg, workers, r.data()),
        epochs,
        r.steps(),
        r.stoppedAtStep() > 0 ? r.stoppedAtStep() : null,
        trainSeconds,
        wallSeconds,
        r.breakdown().samples() * workers / Math.max(1e-9, trainSeconds),
        r.breakdown().perStepMillis(),
        peakMemory,
        finalTestAccuracy,
        r.trainAccuracy(),
        new TreeMap<>(r.shiftedAccuracy()),
        finalTrainLoss,
        checkpoints);
  }
}
