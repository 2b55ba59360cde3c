package dev.cohort.train.metrics;

import dev.cohort.checkpoint.PrivateFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The run folder's {@value #FILE}: a header, then one line per optimizer step of rank 0, times in
 * milliseconds with 3 decimals and the loss with 6. Rank 0 writes a line as each step ends and
 * flushes it, so watchers and post-mortems see every step; a resumed run appends to the same file.
 * Readers find columns by their header names, not their positions. A writer is not thread-safe.
 */
public final class MetricsCsv implements AutoCloseable {
  /** The file in a run folder. */
  public static final String FILE = "metrics.csv";

  /** The columns, in the order they are written. */
  public static final List<String> COLUMNS =
      List.of(
          "step",
          "epoch",
          "loss",
          "samples",
          "data_ms",
          "forward_backward_ms",
          "communication_ms",
          "wait_ms",
          "optimizer_ms",
          "other_ms",
          "step_ms");

  public static final String HEADER = String.join(",", COLUMNS);

  /**
   * The columns a reader needs: {@code other_ms} follows from the others (files of older versions
   * lack it).
   */
  private static final List<String> READ =
      COLUMNS.stream().filter(c -> !c.equals("other_ms")).toList();

  private final BufferedWriter out;

  private MetricsCsv(BufferedWriter out) {
    this.out = out;
  }

  /** Creates {@code file}, or empties it, and writes the header. */
  public static MetricsCsv create(Path file) throws IOException {
    return create(file, 0);
  }

  /**
   * The same for a mixture of {@code experts} experts per layer (0: none): each line then ends with
   * the step's load-balancing loss, its dropped choices, the busiest expert's demand over the mean
   * (layer by layer, then the mean) and each expert's demand summed over the layers ({@code
   * aux_loss,dropped,busiest_over_mean,expert_0,...}).
   */
  public static MetricsCsv create(Path file, int experts) throws IOException {
    BufferedWriter w =
        Files.newBufferedWriter(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE);
    w.write(HEADER);
    if (experts > 0) {
      w.write(",aux_loss,dropped,busiest_over_mean");
      for (int e = 0; e < experts; e++) {
        w.write(",expert_" + e);
      }
    }
    w.newLine();
    return new MetricsCsv(w);
  }

  /** Opens {@code file} to add steps after those already in it (a resumed run). */
  public static MetricsCsv append(Path file) throws IOException {
    return new MetricsCsv(
        Files.newBufferedWriter(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
  }

  /**
   * Opens {@code file} to add steps from {@code step} on: a run resumed from the checkpoint of
   * {@code step} redoes the steps after it, so their lines (and a line cut short when the writer
   * was killed) are dropped first, and every step appears once. The file is rewritten to a
   * temporary file and moved into place.
   */
  public static MetricsCsv appendFrom(Path file, long step) throws IOException {
    List<String> lines = Files.readAllLines(file);
    String header = lines.isEmpty() ? HEADER : lines.get(0);
    List<String> kept = new ArrayList<>();
    kept.add(HEADER);
    for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
      long s = stepOf(line, header);
      if (s >= 0 && s < step) {
        kept.add(line);
      }
    }
    if (!header.equals(HEADER)) {
      // Written by a version with other columns: its lines are rewritten in today's.
      List<String> old = new ArrayList<>(kept);
      old.set(0, header);
      kept = new ArrayList<>(List.of(HEADER));
      for (StepRecord r : parse(old, file)) {
        kept.add(line(r));
      }
    }
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    PrivateFiles.restrict(tmp); // 0600 before anything is written, as the run folder's files
    Files.write(tmp, kept);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return append(file);
  }

  /**
   * Steps {@code file} has recorded: one more than the highest step of a complete line, 0 when it
   * has none or does not exist.
   */
  public static long reached(Path file) throws IOException {
    if (!Files.exists(file)) {
      return 0;
    }
    List<String> lines = Files.readAllLines(file);
    long max = -1;
    for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
      max = Math.max(max, stepOf(line, lines.get(0)));
    }
    return max + 1;
  }

  /** The step of a complete line (as many fields as the header), else -1. */
  private static long stepOf(String line, String header) {
    String[] f = line.split(",", -1);
    int at = Arrays.asList(header.split(",", -1)).indexOf("step");
    if (at < 0 || f.length != header.split(",", -1).length) {
      return -1;
    }
    try {
      Double.parseDouble(f[f.length - 1]); // a line cut short may still have all its commas
      return Long.parseLong(f[at].strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Writes one step's line and flushes it. */
  public void write(StepRecord r) throws IOException {
    out.write(line(r));
    out.newLine();
    out.flush();
  }

  /** One step as a line, without the line break. */
  public static String line(StepRecord r) {
    String times =
        String.format(
            Locale.ROOT,
            "%d,%d,%.6f,%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f",
            r.step(),
            r.epoch(),
            r.loss(),
            r.samples(),
            r.dataNanos() / 1e6,
            r.computeNanos() / 1e6,
            r.commNanos() / 1e6,
            r.waitNanos() / 1e6,
            r.optimizerNanos() / 1e6,
            r.otherNanos() / 1e6,
            r.totalNanos() / 1e6);
    if (r.experts() == null) {
      return times;
    }
    StringBuilder sb =
        new StringBuilder(times)
            .append(
                String.format(
                    Locale.ROOT,
                    ",%.6f,%d,%.4f",
                    r.experts().auxLoss(),
                    r.experts().dropped(),
                    r.experts().busiestOverMean()));
    for (long tokens : r.experts().tokensPerExpert()) {
      sb.append(',').append(tokens);
    }
    return sb.toString();
  }

  @Override
  public void close() throws IOException {
    out.close();
  }

  /**
   * Every step in {@code file}, times rounded to the microsecond as written.
   *
   * @throws IOException if it cannot be read, lacks a column, or has a malformed line: one line
   *     naming the file and the line number
   */
  public static List<StepRecord> read(Path file) throws IOException {
    return parse(Files.readAllLines(file), file);
  }

  /** The steps of a file's {@code lines}, the header first; {@code file} names it in errors. */
  private static List<StepRecord> parse(List<String> lines, Path file) throws IOException {
    if (lines.isEmpty()) {
      throw new IOException(file + " is empty: no header line");
    }
    String header = lines.get(0);
    Map<String, Integer> index = new HashMap<>();
    List<String> names = Arrays.asList(header.split(",", -1));
    for (int i = 0; i < names.size(); i++) {
      index.put(names.get(i).strip(), i);
    }
    int[] at = new int[READ.size()];
    for (int c = 0; c < at.length; c++) {
      Integer i = index.get(READ.get(c));
      if (i == null) {
        throw new IOException(
            file + " line 1: no column " + READ.get(c) + " in the header '" + header + "'");
      }
      at[c] = i;
    }
    List<StepRecord> steps = new ArrayList<>(lines.size() - 1);
    for (int n = 1; n < lines.size(); n++) {
      steps.add(parse(lines.get(n).split(",", -1), names.size(), at, file, n + 1));
    }
    return steps;
  }

  /** Steps recorded so far: the lines after the header; 0 while {@code file} does not exist. */
  public static long steps(Path file) throws IOException {
    if (!Files.exists(file)) {
      return 0;
    }
    try (Stream<String> lines = Files.lines(file)) {
      return Math.max(0, lines.count() - 1);
    }
  }

  private static StepRecord parse(String[] f, int fields, int[] at, Path file, int lineNumber)
      throws IOException {
    if (f.length != fields) {
      throw new IOException(
          file
              + " line "
              + lineNumber
              + ": "
              + f.length
              + " fields where the "
              + "header names "
              + fields);
    }
    Row row = new Row(f, at, file, lineNumber);
    return new StepRecord(
        (int) row.integer(0),
        (int) row.integer(1),
        (float) row.decimal(2),
        (int) row.integer(3),
        row.nanos(4),
        row.nanos(5),
        row.nanos(6),
        row.nanos(7),
        row.nanos(8),
        row.nanos(9));
  }

  /** One line's fields, read by column (an index into {@link #READ}). */
  private record Row(String[] fields, int[] at, Path file, int lineNumber) {
    long integer(int column) throws IOException {
      try {
        return Long.parseLong(fields[at[column]].strip());
      } catch (NumberFormatException e) {
        throw malformed(column);
      }
    }

    double decimal(int column) throws IOException {
      try {
        return Double.parseDouble(fields[at[column]].strip());
      } catch (NumberFormatException e) {
        throw malformed(column);
      }
    }

    long nanos(int column) throws IOException {
      return Math.round(decimal(column) * 1e6);
    }

    private IOException malformed(int column) {
      return new IOException(
          file
              + " line "
              + lineNumber
              + ": "
              + READ.get(column)
              + " is '"
              + fields[at[column]]
              + "', not a number");
    }
  }
}
