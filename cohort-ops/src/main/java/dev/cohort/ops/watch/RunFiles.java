package dev.cohort.ops.watch;

import dev.cohort.train.metrics.EffectiveConfig;
import dev.cohort.train.metrics.MemoryReport;
import dev.cohort.train.metrics.RunHistory;
import dev.cohort.train.metrics.RunSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The run folder's small files as last read: the effective configuration, the history (segments and
 * evaluated epochs), the memory report, the summary and the committed checkpoints. Each is null (or
 * empty) until written.
 *
 * @param summaryMillis when summary.json was last written (0: never)
 */
public record RunFiles(
    EffectiveConfig config,
    RunHistory.State history,
    MemoryReport memory,
    RunSummary summary,
    long summaryMillis,
    List<CheckpointMark> checkpoints) {

  /** Nothing read yet. */
  static final RunFiles NONE =
      new RunFiles(null, new RunHistory.State(List.of(), List.of()), null, null, 0, List.of());

  /**
   * How many ranks process the same samples: a pipeline's stages times a tensor group's size (1 for
   * plain data parallelism). Throughput counts each sample once.
   */
  public int sharing() {
    int tensor = config == null || config.layers() == null ? 1 : config.layers().tensor();
    return stages() * tensor;
  }

  /** The steps the run is to take: its epochs', or --max-steps when fewer; 0 when unknown. */
  public long totalSteps() {
    if (config == null || config.stepsPerEpoch() == null) {
      return 0;
    }
    long total = (long) config.stepsPerEpoch() * config.epochs();
    return config.maxSteps() > 0 ? Math.min(total, config.maxSteps()) : total;
  }

  /** The pipeline stages (1 without a pipeline). */
  public int stages() {
    return config == null || config.pipeline() == null ? 1 : config.pipeline().stages();
  }

  /**
   * Reads {@code dir} again. A file caught half-written (they are small, but some are written in
   * place) keeps what {@code before} had; the next look reads it whole.
   */
  static RunFiles read(Path dir, RunFiles before) {
    Path summaryFile = dir.resolve(RunSummary.FILE);
    return new RunFiles(
        orElse(() -> EffectiveConfig.read(dir.resolve(EffectiveConfig.FILE)), before.config),
        orElse(() -> RunHistory.read(dir), before.history),
        orElse(() -> MemoryReport.read(dir.resolve(MemoryReport.FILE)), before.memory),
        orElse(() -> RunSummary.read(summaryFile), before.summary),
        orElse(() -> Files.getLastModifiedTime(summaryFile).toMillis(), before.summaryMillis),
        orElse(() -> CheckpointMark.list(dir), before.checkpoints));
  }

  private interface Reader<T> {
    T read() throws IOException;
  }

  /** What {@code reader} reads, or {@code before} while the file is missing or half-written. */
  private static <T> T orElse(Reader<T> reader, T before) {
    try {
      return reader.read();
    } catch (IOException | RuntimeException e) {
      return before; // missing yet, or caught while being written: the next look reads it again
    }
  }
}
