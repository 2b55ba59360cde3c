package dev.cohort.ops.watch;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.cohort.checkpoint.CheckpointFolders;
import dev.cohort.checkpoint.CheckpointStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A committed checkpoint as its manifest tells: its step, its pipeline stage (0 for a whole model),
 * when it was committed and its bytes (state.bin and every shard).
 */
public record CheckpointMark(long step, int stage, Instant created, long bytes) {
  private static final ObjectMapper JSON = new ObjectMapper();

  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  record Manifest(long step, String created, long stateBytes, List<Shard> shards) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Shard(long bytes) {}

  /**
   * The committed checkpoints under {@code runDir}, by step; a folder being written (no manifest
   * yet) or one that cannot be read is left out.
   */
  public static List<CheckpointMark> list(Path runDir) {
    Path root = CheckpointFolders.of(runDir);
    List<CheckpointMark> marks = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return marks;
    }
    collect(root, 0, marks);
    for (int stage = 0; Files.isDirectory(CheckpointFolders.stage(root, stage)); stage++) {
      collect(CheckpointFolders.stage(root, stage), stage, marks);
    }
    marks.sort(Comparator.comparingLong(CheckpointMark::step).thenComparingInt(m -> m.stage));
    return marks;
  }

  private static void collect(Path store, int stage, List<CheckpointMark> marks) {
    CheckpointStore checkpoints = new CheckpointStore(store, 1); // read only: nothing is pruned
    for (long step : checkpoints.steps()) {
      Path f = checkpoints.path(step);
      Path manifest = f.resolve("manifest.json");
      try {
        Manifest m = JSON.readValue(manifest.toFile(), Manifest.class);
        long bytes = m.stateBytes();
        if (m.shards() != null) {
          bytes += m.shards().stream().mapToLong(Shard::bytes).sum();
        }
        marks.add(new CheckpointMark(m.step(), stage, Instant.parse(m.created()), bytes));
      } catch (IOException | RuntimeException e) {
        // being written, or pruned while listed: the next look shows it as it ends up
      }
    }
  }
}
