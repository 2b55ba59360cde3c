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
import java.util.ArrayList;
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
 * <p>A fresh run starts a new file, whose first line (a comment: the rank and the start time) tells
 * a reader tailing it that the file was replaced; a resumed or restarted one appends, so a redone
 * step appears again with its later time (readers keep the last). A line is flushed as each step
 * ends. Runs on the listener thread, never the training thread.
 */
public final class RankSteps implements RunListener, AutoCloseable {
  /** The folder of the files in a run folder. */
  public static final String FOLDER = "ranks";

  /**
   * The columns, in the order they are written: the time, then metrics.csv's (less other_ms, which
   * follows from the others), then the memory and the bytes sent.
   */
  public static final List<String> COLUMNS = columns();

  private static List<String> columns() {
    List<String> c = new ArrayList<>(List.of("time_ms"));
    MetricsCsv.COLUMNS.stream().filter(n -> !n.equals("other_ms")).forEach(c::add);
    c.add("rss_bytes");
    c.add("bytes_sent");
    return List.copyOf(c);
  }

  private final Path file;
  private final int rank;
  private final LongSupplier residentBytes;
  private final LongSupplier bytesSent;
  private BufferedWriter out;

  /**
   * @param residentBytes the process's resident memory now (-1: unknown)
   * @param bytesSent bytes this rank has sent since its group formed
   */
  public RankSteps(Path runDir, int rank, LongSupplier residentBytes, LongSupplier bytesSent) {
    this.file = file(runDir, rank);
    this.rank = rank;
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
      if (fresh) {
        Files.deleteIfExists(file);
      }
      boolean header = !Files.exists(file) || Files.size(file) == 0;
      PrivateFiles.restrict(file);
      out =
          new BufferedWriter(
              new OutputStreamWriter(
                  Files.newOutputStream(
                      file,
                      StandardOpenOption.CREATE,
                      StandardOpenOption.WRITE,
                      StandardOpenOption.APPEND),
                  StandardCharsets.UTF_8));
      if (header) {
        // A first line of its own: a watcher tells this file from the one it replaced.
        out.write("# rank " + rank + ", started " + java.time.Instant.now());
        out.newLine();
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
