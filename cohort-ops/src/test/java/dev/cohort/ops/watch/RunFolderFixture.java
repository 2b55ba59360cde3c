package dev.cohort.ops.watch;

import dev.cohort.train.TrainConfig;
import dev.cohort.train.metrics.EffectiveConfig;
import dev.cohort.train.metrics.RankSteps;
import dev.cohort.train.metrics.StepRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Writes a run folder's steps files as workers do, line by line, for tests. */
public final class RunFolderFixture {
  private final Path dir;
  private int starts = 1;

  public RunFolderFixture(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  /** A step of {@code stepMs} with {@code waitMs} of it waiting, ending at {@code timeMillis}. */
  public static StepRecord step(long step, double loss, double stepMs, double waitMs) {
    long total = (long) (stepMs * 1e6);
    long wait = (long) (waitMs * 1e6);
    long compute = (total - wait) * 8 / 10;
    long comm = (total - wait) / 10;
    long optimizer = total - wait - compute - comm;
    return new StepRecord(
        (int) step, 0, (float) loss, 64, 0, compute, comm, wait, optimizer, total);
  }

  /** Appends {@code r} to {@code rank}'s file (with the header first, as a fresh run writes). */
  public void append(int rank, long timeMillis, StepRecord r, long rssBytes, long bytesSent)
      throws IOException {
    appendRaw(rank, RankSteps.line(timeMillis, r, rssBytes, bytesSent) + "\n");
  }

  /** Appends text as it is, such as half a line. */
  public void appendRaw(int rank, String text) throws IOException {
    Path f = RankSteps.file(dir, rank);
    Files.createDirectories(f.getParent());
    if (!Files.exists(f)) {
      Files.writeString(
          f, "# rank " + rank + ", started 1\n" + String.join(",", RankSteps.COLUMNS) + "\n");
    }
    Files.writeString(f, text, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
  }

  /** Writes config.json as a run of {@code workers} workers and {@code stepsPerEpoch} does. */
  public void config(int workers, int stepsPerEpoch) throws IOException {
    EffectiveConfig.of(TrainConfig.defaults(), workers, "data")
        .withLayout(stepsPerEpoch, java.util.List.of())
        .write(dir.resolve(EffectiveConfig.FILE));
  }

  /** Starts {@code rank}'s file over, as a fresh run in the same folder does: a new file. */
  public void restart(int rank) throws IOException {
    Files.delete(RankSteps.file(dir, rank));
    Files.writeString(
        RankSteps.file(dir, rank),
        "# rank "
            + rank
            + ", started "
            + ++starts
            + "\n"
            + String.join(",", RankSteps.COLUMNS)
            + "\n");
  }
}
