package dev.cohort.train.metrics;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.cohort.checkpoint.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The whole run across resumes and restarts, kept by rank 0 in {@value #FILE} as it goes: each
 * segment (a start of the workers: its start step, why it started, when) and each epoch evaluated.
 * A segment that ended without a summary (its workers died) is closed when the next one starts, at
 * the last step its metrics.csv line shows. {@link #wholeRun} turns a segment's summary into the
 * run's. Not thread-safe: the training thread alone uses it.
 */
public final class RunHistory {
  /** The file in a run folder. */
  public static final String FILE = "history.json";

  /** What the file holds. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record State(List<Entry> segments, List<RunSummary.Epoch> epochs) {
    public State {
      segments = segments == null ? List.of() : List.copyOf(segments);
      epochs = epochs == null ? List.of() : List.copyOf(epochs);
    }
  }

  /**
   * A segment as recorded.
   *
   * @param endStep null while it runs
   * @param wallSeconds null while it runs
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Entry(
      long startStep,
      Long endStep,
      RunSummary.Reason reason,
      long startedAtMillis,
      Double wallSeconds) {}

  private final Path file;
  private final List<Entry> segments;
  private final TreeMap<Integer, RunSummary.Epoch> epochs = new TreeMap<>();

  private RunHistory(Path file, List<Entry> segments, List<RunSummary.Epoch> epochs) {
    this.file = file;
    this.segments = new ArrayList<>(segments);
    epochs.forEach(e -> this.epochs.put(e.epoch(), e));
  }

  /**
   * Starts a segment: a fresh one forgets any earlier history in {@code dir}; a resumed or
   * restarted one closes the previous segment if it is still open (at {@code reachedStep}, when
   * {@code metricsWritten}) and forgets the epochs after {@code startStep}'s, which are redone.
   *
   * @param reachedStep steps the previous segment recorded in metrics.csv
   * @param epochOfStart the epoch {@code startStep} lies in (0-based)
   */
  static RunHistory begin(
      Path dir,
      long startStep,
      RunSummary.Reason reason,
      long reachedStep,
      long metricsWrittenMillis,
      int epochOfStart)
      throws IOException {
    Path file = dir.resolve(FILE);
    State before =
        reason != RunSummary.Reason.FRESH && Files.exists(file)
            ? RunJson.read(file, State.class)
            : new State(List.of(), List.of());
    List<Entry> segments = new ArrayList<>(before.segments());
    if (!segments.isEmpty() && segments.get(segments.size() - 1).endStep() == null) {
      Entry open = segments.remove(segments.size() - 1);
      segments.add(
          new Entry(
              open.startStep(),
              Math.max(open.startStep(), reachedStep),
              open.reason(),
              open.startedAtMillis(),
              Math.max(0, metricsWrittenMillis - open.startedAtMillis()) / 1e3));
    }
    segments.add(new Entry(startStep, null, reason, System.currentTimeMillis(), null));
    List<RunSummary.Epoch> kept = new ArrayList<>();
    for (RunSummary.Epoch e : before.epochs()) {
      if (e.epoch() <= epochOfStart) { // epochs are numbered from 1: those before the start's
        kept.add(e);
      }
    }
    RunHistory h = new RunHistory(file, segments, kept);
    h.save();
    return h;
  }

  /**
   * What {@code dir}'s history holds so far, for a watcher of the run; empty while it has none.
   *
   * @throws IOException if the file cannot be read or parsed
   */
  public static State read(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    return Files.exists(file) ? RunJson.read(file, State.class) : new State(List.of(), List.of());
  }

  /** Records an evaluated epoch (numbered from 1); a redone epoch replaces its earlier record. */
  void epoch(RunSummary.Epoch e) throws IOException {
    epochs.put(e.epoch(), e);
    save();
  }

  /** The segments so far, the running one ending at {@code steps} after {@code wallSeconds}. */
  List<RunSummary.Segment> segments(long steps, double wallSeconds) {
    List<RunSummary.Segment> out = new ArrayList<>();
    for (Entry e : segments) {
      boolean open = e.endStep() == null;
      out.add(
          new RunSummary.Segment(
              e.startStep(),
              open ? steps : e.endStep(),
              e.reason(),
              open ? wallSeconds : e.wallSeconds()));
    }
    return out;
  }

  /** Every epoch evaluated in the run, by number. */
  List<RunSummary.Epoch> epochs() {
    return List.copyOf(epochs.values());
  }

  /** Closes the running segment at {@code steps}, after {@code wallSeconds}. */
  void end(long steps, double wallSeconds) throws IOException {
    Entry open = segments.remove(segments.size() - 1);
    segments.add(
        new Entry(open.startStep(), steps, open.reason(), open.startedAtMillis(), wallSeconds));
    save();
  }

  /** Written to a temporary file and moved into place: a crash leaves the old or the new. */
  private void save() throws IOException {
    Path tmp = file.resolveSibling(FILE + ".tmp");
    PrivateFiles.restrict(tmp);
    RunJson.write(new State(segments, epochs()), tmp);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
