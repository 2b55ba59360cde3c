package dev.cohort.train.metrics;

import dev.cohort.checkpoint.PrivateFiles;
import dev.cohort.comm.ProcessGroup;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Every rank's own record of its steps, in {@code ranks/rank-<r>.csv} of the run folder, which the
 * dashboard and the Prometheus endpoint read while the run goes on: when each step ended (wall
 * clock), its loss and phases as in {@link MetricsCsv}, the process's resident memory and the bytes
 * it has sent so far. metrics.csv holds rank 0's steps only; these files show how ranks differ
 * (stragglers, waiting, memory).
 *
 * <p>A fresh run starts the file over; a resumed or restarted one appends, so a redone step appears
 * again with its later time (readers keep the last). A line is flushed as each step ends. Runs on
 * the listener thread, never the training thread.
 */
public final class RankSteps implements RunListener, AutoCloseable {
  /** The folder of the files in a run folder. */
  public static final String FOLDER = "ranks";

  /** The columns, in the order they are written. */
  public static final List<String> COLUMNS =
      List.of(
          "time_ms",
          "step",
          "epoch",
          "loss",
          "samples",
          "data_ms",
          "forward_backward_ms",
          "communication_ms",
          "wait_ms",
          "optimizer_ms",
          "step_ms",
          "rss_bytes",
          "bytes_sent");

  private final Path file;
  private final LongSupplier residentBytes;
  private final LongSupplier bytesSent;
  private BufferedWriter out;

  /**
   * @param residentBytes the process's resident memory now (-1: unknown)
   * @param bytesSent bytes this rank has sent since its group formed
   */
  public RankSteps(Path runDir, int rank, LongSupplier residentBytes, LongSupplier bytesSent) {
    this.file = file(runDir, rank);
    this.residentBytes = residentBytes;
    this.bytesSent = bytesSent;
  }

  /**
   * This rank's steps file in {@code runDir}, with the bytes its group has sent; null without a run
   * folder.
   */
  public static RankSteps of(Path runDir, ProcessGroup pg, LongSupplier residentBytes) {
    return runDir == null
        ? null
        : new RankSteps(runDir, pg.rank(), residentBytes, () -> pg.stats().bytesSent());
  }

  /** The file of {@code rank} in {@code runDir}. */
  public static Path file(Path runDir, int rank) {
    return runDir.resolve(FOLDER).resolve("rank-" + rank + ".csv");
  }

  @Override
  public void onStart(Start start) {
    try {
      PrivateFiles.createDirectories(file.getParent());
      boolean fresh = !start.resumed();
      boolean header = fresh || !Files.exists(file) || Files.size(file) == 0;
      PrivateFiles.restrict(file);
      out =
          new BufferedWriter(
              new OutputStreamWriter(
                  Files.newOutputStream(
                      file,
                      StandardOpenOption.WRITE,
                      fresh ? StandardOpenOption.TRUNCATE_EXISTING : StandardOpenOption.APPEND),
                  StandardCharsets.UTF_8));
      if (header) {
        out.write(String.join(",", COLUMNS));
        out.newLine();
        out.flush();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void onStep(StepRecord r, int batchInEpoch, int batchesPerEpoch) {
    if (out == null) {
      return;
    }
    try {
      out.write(
          line(System.currentTimeMillis(), r, residentBytes.getAsLong(), bytesSent.getAsLong()));
      out.newLine();
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** One step's line, without its end; a loss that is not finite as NaN or Infinity. */
  public static String line(long timeMillis, StepRecord r, long rss, long sent) {
    return String.format(
        Locale.ROOT,
        "%d,%d,%d,%.6f,%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%d,%d",
        timeMillis,
        r.step(),
        r.epoch(),
        r.loss(), // NaN and Infinity as Java writes them
        r.samples(),
        r.dataMs(),
        r.computeMs(),
        r.commMs(),
        r.waitMs(),
        r.optimizerMs(),
        r.totalMs(),
        rss,
        sent);
  }

  @Override
  public void close() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
      } finally {
        out = null;
      }
    }
  }
}
