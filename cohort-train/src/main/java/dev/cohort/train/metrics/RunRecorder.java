package dev.cohort.train.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cohort.train.TrainConfig;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Rank 0's run folder: config.json at the start, metrics.csv one line per step as the run goes
 * (so a crashed run still shows where it was), summary.json at the end.
 */
public final class RunRecorder implements RunListener, AutoCloseable {
  private final Path dir;
  private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private BufferedWriter csv;

  public RunRecorder(Path dir) {
    this.dir = dir;
  }

  @Override
  public void onStart(TrainConfig cfg, int workers, int stepsPerEpoch, List<Integer> bucketBytes) {
    try {
      Files.createDirectories(dir);
      Map<String, Object> c = cfg.describe(workers);
      c.put("steps_per_epoch", stepsPerEpoch);
      c.put("gradient_buckets_bytes", bucketBytes);
      json.writeValue(dir.resolve("config.json").toFile(), c);
      // A resumed run appends: metrics.csv then tells the whole story, restarts included.
      boolean append = cfg.checkpointing().resumeFrom() != null
          && Files.exists(dir.resolve("metrics.csv"));
      csv = Files.newBufferedWriter(dir.resolve("metrics.csv"), java.nio.file.StandardOpenOption.CREATE,
          append ? java.nio.file.StandardOpenOption.APPEND : java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
      if (!append) {
        csv.write(StepRecord.CSV_HEADER);
        csv.newLine();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the run folder " + dir, e);
    }
  }

  @Override
  public void onStep(StepRecord r, int batchInEpoch, int batchesPerEpoch) {
    try {
      csv.write(r.csv());
      csv.newLine();
      csv.flush(); // a line per step, visible at once: watchers and post-mortems see every step

    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to " + dir.resolve("metrics.csv"), e);
    }
  }

  /** Writes summary.json. */
  public void writeSummary(Map<String, Object> summary) {
    try {
      json.writeValue(dir.resolve("summary.json").toFile(), summary);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve("summary.json"), e);
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
