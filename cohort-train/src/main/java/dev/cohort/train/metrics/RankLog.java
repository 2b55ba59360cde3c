package dev.cohort.train.metrics;

import dev.cohort.checkpoint.CheckpointFolders;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What a rank writes to its output, which a launcher keeps in {@code rank-<r>.log}: where training
 * resumed from, and for ranks other than 0 a line when training starts and one per epoch, so that a
 * failure report quoting the log's last lines shows how far the rank got (rank 0 shows its progress
 * bar and tables instead). Warnings and errors reach the same output on their own (standard error).
 */
public final class RankLog implements RunListener {
  private final PrintStream out;
  private final int rank;
  private long steps;

  public RankLog(PrintStream out, int rank) {
    this.out = out;
    this.rank = rank;
  }

  @Override
  public void onStart(Start start) {
    if (start.resumed()) {
      Path from = CheckpointFolders.of(start.config().checkpointing().resumeFrom());
      out.println(
          (rank == 0 ? "" : "rank " + rank + ": ")
              + "resumed from step "
              + start.startStep()
              + " (checkpoint "
              + CheckpointFolders.describe(from, start.startStep())
              + ")");
    }
    if (rank == 0) {
      out.flush();
      return;
    }
    out.printf(
        Locale.ROOT,
        "rank %d of %d (pid %d): training %s, %d steps per epoch, %d epochs%n",
        rank,
        start.workers(),
        ProcessHandle.current().pid(),
        start.config().model(),
        start.stepsPerEpoch(),
        start.config().epochs());
    out.flush();
  }

  @Override
  public void onStep(StepRecord r, int batchInEpoch, int batchesPerEpoch) {
    steps = r.step() + 1;
  }

  @Override
  public void onEpoch(int epoch, double trainLoss, double testAccuracy) {
    if (rank == 0) {
      return;
    }
    out.printf(
        Locale.ROOT,
        "rank %d: epoch %d ended after step %d: train loss %.4f, test accuracy %.4f%n",
        rank,
        epoch + 1,
        steps,
        trainLoss,
        testAccuracy);
    out.flush();
  }
}
