package dev.cohort.train.metrics;

import dev.cohort.checkpoint.PrivateFiles;
import dev.cohort.train.TrainConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Rank 0's run folder: {@value EffectiveConfig#FILE} at the start, {@value MetricsCsv#FILE} one
 * line per step as the run goes (so a crashed run still shows where it was), {@value
 * RunSummary#FILE} at the end. The files are 0600, and the folder 0700 if this creates it (see
 * {@link PrivateFiles}).
 */
public final class RunRecorder implements RunListener, AutoCloseable {
  private final Path dir;
  private MetricsCsv csv;

  public RunRecorder(Path dir) {
    this.dir = dir;
  }

  @Override
  public void onStart(Start start) {
    TrainConfig cfg = start.config();
    try {
      PrivateFiles.createDirectories(dir);
      PrivateFiles.restrict(dir.resolve(EffectiveConfig.FILE));
      EffectiveConfig.of(cfg, start.workers(), start.data())
          .withLayout(start.stepsPerEpoch(), start.bucketBytes())
          .write(dir.resolve(EffectiveConfig.FILE));
      // A resumed run appends: metrics.csv then tells the whole story, restarts included.
      Path metrics = dir.resolve(MetricsCsv.FILE);
      boolean append = cfg.checkpointing().resumeFrom() != null && Files.exists(metrics);
      PrivateFiles.restrict(metrics);
      csv = append ? MetricsCsv.append(metrics) : MetricsCsv.create(metrics);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the run folder " + dir, e);
    }
  }

  @Override
  public void onStep(StepRecord r, int batchInEpoch, int batchesPerEpoch) {
    try {
      csv.write(r);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to " + dir.resolve(MetricsCsv.FILE), e);
    }
  }

  /** Writes summary.json. */
  public void writeSummary(RunSummary summary) {
    try {
      PrivateFiles.restrict(dir.resolve(RunSummary.FILE));
      summary.write(dir.resolve(RunSummary.FILE));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve(RunSummary.FILE), e);
    }
  }

  public Path dir() {
    return dir;
  }

  @Override
  public void close() {
    if (csv != null) {
      try {
        csv.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
