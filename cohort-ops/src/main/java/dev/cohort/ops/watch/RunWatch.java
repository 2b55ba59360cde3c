package dev.cohort.ops.watch;

import dev.cohort.train.metrics.MetricsCsv;
import dev.cohort.train.metrics.RankSteps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A run folder as it grows: each {@link #refresh} reads what every rank's steps file gained, rank
 * 0's expert routing from metrics.csv, and the small files again. Ranks are found as their files
 * appear, so a watch can start before the workers do. Callers share one watch and synchronize on
 * it: refresh and the reads that follow see one state.
 */
public final class RunWatch {
  /** What a refresh found new: each rank's steps, and the routing of new steps. */
  public record Update(List<RankStep> steps, List<ExpertPoint> experts) {}

  /** One rank's new step. */
  public record RankStep(int rank, StepPoint point) {}

  private final Path dir;
  private final Map<Integer, CsvTail> tails = new TreeMap<>();
  private final Map<Integer, RankHistory> ranks = new TreeMap<>();
  private final Map<Integer, LossWatch> losses = new TreeMap<>();
  private final CsvTail metrics;
  private final List<ExpertPoint> experts = new ArrayList<>();
  private final Map<Long, Double> commitSeconds = new java.util.HashMap<>();
  private RunFiles files = RunFiles.NONE;

  public RunWatch(Path dir) {
    this.dir = dir;
    this.metrics = new CsvTail(dir.resolve(MetricsCsv.FILE));
  }

  public Path dir() {
    return dir;
  }

  /**
   * Reads what was added since the last refresh.
   *
   * @throws UncheckedIOException if the run folder cannot be listed or a steps file read
   */
  public synchronized Update refresh() {
    try {
      discoverRanks();
      List<RankStep> fresh = new ArrayList<>();
      for (Map.Entry<Integer, CsvTail> e : tails.entrySet()) {
        int rank = e.getKey();
        CsvTail.Lines lines = e.getValue().read();
        if (lines.restarted()) {
          ranks.get(rank).clear();
          losses.get(rank).clear();
        }
        for (CsvTail.Row row : lines.rows()) {
          StepPoint p = StepPoint.of(row);
          ranks.get(rank).add(p);
          losses.get(rank).add(p);
          fresh.add(new RankStep(rank, p));
        }
      }
      List<ExpertPoint> routed = readExperts();
      files = RunFiles.read(dir, files);
      timeCheckpoints();
      return new Update(fresh, routed);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the run folder " + dir + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "cannot read the run folder " + dir + ": " + e.getMessage(), e);
    }
  }

  private void discoverRanks() throws IOException {
    Path folder = dir.resolve(RankSteps.FOLDER);
    if (!Files.isDirectory(folder)) {
      if (tails.isEmpty() && Files.exists(metrics.file())) {
        // A run of an older version, without steps files: rank 0's metrics.csv stands for it.
        tails.put(0, new CsvTail(metrics.file()));
        ranks.put(0, new RankHistory(0));
        losses.put(0, new LossWatch());
      }
      return;
    }
    CsvTail zero = tails.get(0);
    if (zero != null && zero.file().equals(metrics.file())) {
      tails.remove(0); // the steps files came after all: they replace metrics.csv
      ranks.remove(0);
      losses.remove(0);
    }
    try (Stream<Path> s = Files.list(folder)) {
      for (Path f : s.toList()) {
        String name = f.getFileName().toString();
        if (name.matches("rank-\\d+\\.csv")) {
          int rank = Integer.parseInt(name.substring(5, name.length() - 4));
          if (!tails.containsKey(rank)) {
            tails.put(rank, new CsvTail(f));
            ranks.put(rank, new RankHistory(rank));
            losses.put(rank, new LossWatch());
          }
        }
      }
    }
  }

  private List<ExpertPoint> readExperts() throws IOException {
    CsvTail.Lines lines = metrics.read();
    if (lines.restarted()) {
      experts.clear();
    }
    List<ExpertPoint> fresh = new ArrayList<>();
    for (CsvTail.Row row : lines.rows()) {
      int count = 0;
      while (row.get("expert_" + count) != null) {
        count++;
      }
      if (count == 0) {
        continue;
      }
      ExpertPoint p = ExpertPoint.of(row, count);
      while (!experts.isEmpty() && experts.get(experts.size() - 1).step() >= p.step()) {
        experts.remove(experts.size() - 1); // redone after a restart
      }
      experts.add(p);
      if (experts.size() > RankHistory.CAP) {
        RankHistory.thin(experts);
      }
      fresh.add(p);
    }
    return fresh;
  }

  /**
   * Works out, once, how long each new checkpoint took to commit: from the end of its last step on
   * rank 0 (its step counts steps done, so the step numbered one less) to its manifest's time. A
   * checkpoint appears soon after its step, while that step is among the newest kept whole.
   */
  private void timeCheckpoints() {
    RankHistory lead = ranks.get(0);
    for (CheckpointMark m : files.checkpoints()) {
      if (lead == null || commitSeconds.containsKey(m.step())) {
        continue;
      }
      for (int i = lead.points().size() - 1; i >= 0; i--) {
        StepPoint p = lead.points().get(i);
        if (p.step() == m.step() - 1 && p.timeMillis() >= 0) {
          commitSeconds.put(
              m.step(), Math.max(0, m.created().toEpochMilli() - p.timeMillis()) / 1e3);
        }
        if (p.step() < m.step()) {
          break;
        }
      }
    }
  }

  /** How long the checkpoint of {@code step} took to commit, in seconds; null when unknown. */
  public synchronized Double commitSeconds(long step) {
    return commitSeconds.get(step);
  }

  /**
   * The ranks of the current world, by rank: once config.json names the world size, the files of
   * ranks beyond it (left by an earlier, larger world of an elastic run) are left out.
   */
  public synchronized List<RankHistory> ranks() {
    int workers = files.config() == null ? Integer.MAX_VALUE : files.config().workers();
    return ranks.values().stream().filter(r -> r.rank() < workers).toList();
  }

  /** The first non-finite loss of each rank of the current world that had one. */
  synchronized Map<Integer, StepPoint> nonFinite() {
    Map<Integer, StepPoint> m = new TreeMap<>();
    for (RankHistory r : ranks()) {
      StepPoint p = losses.get(r.rank()).firstNonFinite();
      if (p != null) {
        m.put(r.rank(), p);
      }
    }
    return m;
  }

  /** Rank 0's loss spikes, the most recent last. */
  synchronized List<LossWatch.Spike> spikes() {
    LossWatch w = losses.get(0);
    return w == null ? List.of() : w.spikes();
  }

  /** Rank 0's expert routing by step; empty without experts. */
  public synchronized List<ExpertPoint> experts() {
    return List.copyOf(experts);
  }

  public synchronized RunFiles files() {
    return files;
  }
}
