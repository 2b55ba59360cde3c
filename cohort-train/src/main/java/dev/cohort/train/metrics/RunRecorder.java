package dev.cohort.train.metrics;

import dev.cohort.checkpoint.PrivateFiles;
import dev.cohort.comm.Cohort;
import dev.cohort.train.TrainConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Rank 0's run folder: {@value EffectiveConfig#FILE} at the start, {@value MetricsCsv#FILE} one
 * line per step as the run goes (so a crashed run still shows where it was), {@value
 * RunHistory#FILE} (segments and epochs, across resumes and restarts), {@value RunSummary#FILE} at
 * the end, describing the whole run. The files are 0600, and the folder 0700 if this creates it
 * (see {@link PrivateFiles}).
 */
public final class RunRecorder implements RunListener, AutoCloseable {
  private final Path dir;
  private MetricsCsv csv;
  private RunHistory history;
  private int workers;
  private long trainNanos; // in the steps metrics.csv holds, each step once

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
      Provenance.here().write(dir);
      // A resumed run appends, less the steps it redoes: metrics.csv then tells the whole story,
      // restarts included, each step once; history.json keeps the segments and epochs.
      Path metrics = dir.resolve(MetricsCsv.FILE);
      boolean append = cfg.checkpointing().resumeFrom() != null && Files.exists(metrics);
      RunSummary.Reason reason =
          Cohort.restartCount() > 0
              ? RunSummary.Reason.RESTART
              : start.resumed() ? RunSummary.Reason.RESUME : RunSummary.Reason.FRESH;
      long reached = MetricsCsv.reached(metrics);
      long writtenAt = Files.exists(metrics) ? Files.getLastModifiedTime(metrics).toMillis() : 0;
      PrivateFiles.restrict(metrics);
      csv =
          append
              ? MetricsCsv.appendFrom(metrics, start.startStep())
              : MetricsCsv.create(metrics, cfg.split().experts());
      workers = start.workers();
      trainNanos =
          append ? MetricsCsv.read(metrics).stream().mapToLong(StepRecord::totalNanos).sum() : 0;
      history =
          RunHistory.begin(
              dir,
              start.startStep(),
              reason,
              reached,
              writtenAt,
              (int) (start.startStep() / Math.max(1, start.stepsPerEpoch())));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the run folder " + dir, e);
    }
  }

  @Override
  public void onStep(StepRecord r, int batchInEpoch, int batchesPerEpoch) {
    try {
      csv.write(r);
      trainNanos += r.totalNanos();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to " + dir.resolve(MetricsCsv.FILE), e);
    }
  }

  @Override
  public void onEpoch(int epoch, double trainLoss, double testAccuracy) {
    try {
      history.epoch(new RunSummary.Epoch(epoch + 1, trainLoss, testAccuracy, trainNanos / 1e9));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve(RunHistory.FILE), e);
    }
  }

  /**
   * Writes summary.json: {@code segment}'s summary, made the whole run's when the run was resumed
   * or restarted (see {@link RunSummary}'s {@code segments}).
   *
   * @return what was written
   */
  public RunSummary writeSummary(RunSummary segment) {
    try {
      RunSummary summary = history == null ? segment : wholeRun(segment);
      PrivateFiles.restrict(dir.resolve(RunSummary.FILE));
      summary.write(dir.resolve(RunSummary.FILE));
      return summary;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve(RunSummary.FILE), e);
    }
  }

  /**
   * The run so far with this segment: every segment, every epoch evaluated, and totals over the
   * steps in metrics.csv, each once.
   */
  private RunSummary wholeRun(RunSummary s) throws IOException {
    List<RunSummary.Segment> segments = history.segments(s.steps(), s.wallSeconds());
    history.end(s.steps(), s.wallSeconds());
    if (segments.size() == 1 && segments.get(0).reason() == RunSummary.Reason.FRESH) {
      return withSegments(s, s.epochs(), s.trainSeconds(), s.wallSeconds(), null, segments);
    }
    Breakdown all = new Breakdown();
    MetricsCsv.read(dir.resolve(MetricsCsv.FILE)).forEach(all::add);
    return withSegments(
        s,
        history.epochs(),
        all.seconds(),
        segments.stream().mapToDouble(RunSummary.Segment::wallSeconds).sum(),
        all,
        segments);
  }

  private RunSummary withSegments(
      RunSummary s,
      List<RunSummary.Epoch> epochs,
      double trainSeconds,
      double wallSeconds,
      Breakdown all,
      List<RunSummary.Segment> segments) {
    return new RunSummary(
        s.config(),
        epochs,
        s.steps(),
        s.stoppedOnRequestAfterStep(),
        trainSeconds,
        wallSeconds,
        all == null
            ? s.samplesPerSecond()
            : all.samples() * workers / Math.max(1e-9, all.seconds()),
        all == null ? s.stepTimeMs() : all.perStepMillis(),
        s.peakMemoryBytesPerWorker(),
        s.finalTestAccuracy(),
        s.finalTrainAccuracy(),
        s.shiftedTestAccuracy(),
        s.finalTrainLoss(),
        s.checkpoints(),
        segments,
        s.experts(),
        s.traffic());
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
