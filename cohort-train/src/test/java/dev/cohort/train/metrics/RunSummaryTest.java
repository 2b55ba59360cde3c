package dev.cohort.train.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.train.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** summary.json and config.json keep the snake_case names the docs and the lab read. */
class RunSummaryTest {
  private static final EffectiveConfig CONFIG =
      EffectiveConfig.of(TrainConfig.builder().model("mlp").build(), 2, "test data");

  private static RunSummary summary(
      Integer stoppedAfter, Double finalTrainLoss, RunSummary.CheckpointCost checkpoints) {
    return new RunSummary(
        CONFIG,
        List.of(
            new RunSummary.Epoch(1, 0.61, 0.81, 10.5), new RunSummary.Epoch(2, null, 0.84, 21.0)),
        120,
        stoppedAfter,
        21.0,
        25.5,
        1234.5,
        new RunSummary.StepTimes(1.0, 20.0, 3.0, 0.5, 0.25, 0.25, 25.0),
        List.of(1L << 30, -1L),
        0.84,
        0.86,
        new TreeMap<>(Map.of("rotation", 0.5, "noise", 0.7)),
        finalTrainLoss,
        checkpoints);
  }

  private static JsonNode written(Object record, Path file) throws Exception {
    RunJson.write(record, file);
    return new ObjectMapper().readTree(file.toFile());
  }

  private static List<String> names(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void aSummaryShouldBeWrittenWithTheSnakeCaseNamesInOrder(@TempDir Path dir) throws Exception {
    JsonNode s =
        written(
            summary(40, 0.5, new RunSummary.CheckpointCost(3, 1000, 1.5, 20.0)),
            dir.resolve(RunSummary.FILE));
    assertThat(names(s))
        .containsExactly(
            "config",
            "epochs",
            "steps",
            "stopped_on_request_after_step",
            "train_seconds",
            "wall_seconds",
            "samples_per_second",
            "step_time_ms",
            "peak_memory_bytes_per_worker",
            "final_test_accuracy",
            "final_train_accuracy",
            "shifted_test_accuracy",
            "final_train_loss",
            "checkpoints");
    assertThat(names(s.get("epochs").get(0)))
        .containsExactly("epoch", "train_loss", "test_accuracy", "train_seconds");
    assertThat(s.get("epochs").get(1).get("train_loss").isNull()).isTrue();
    assertThat(names(s.get("step_time_ms")))
        .containsExactly(
            "data", "forward_backward", "communication", "wait", "optimizer", "other", "step");
    assertThat(s.get("step_time_ms").get("wait").asDouble()).isEqualTo(0.5);
    assertThat(names(s.get("checkpoints")))
        .containsExactly("written", "bytes_each", "snapshot_ms_mean", "background_write_ms_mean");
    assertThat(names(s.get("shifted_test_accuracy"))).containsExactly("noise", "rotation");
    assertThat(s.get("config").get("workers").asInt()).isEqualTo(2);
  }

  @Test
  void optionalFieldsShouldBeLeftOutWhenAbsent(@TempDir Path dir) throws Exception {
    JsonNode s = written(summary(null, null, null), dir.resolve(RunSummary.FILE));
    assertThat(names(s))
        .doesNotContain("stopped_on_request_after_step", "final_train_loss", "checkpoints");
    assertThat(names(s.get("config"))).doesNotContain("steps_per_epoch", "gradient_buckets_bytes");
    assertThat(s.get("config").get("resumed_from").isNull()).as("written as null").isTrue();
  }

  @Test
  void aSummaryShouldReadBackEqualToWhatWasWritten(@TempDir Path dir) throws Exception {
    for (RunSummary s :
        List.of(
            summary(40, 0.5, new RunSummary.CheckpointCost(3, 1000, 1.5, 20.0)),
            summary(null, null, null))) {
      Path file = dir.resolve(RunSummary.FILE);
      s.write(file);
      assertThat(RunSummary.read(file)).isEqualTo(s);
    }
  }

  @Test
  void readingShouldIgnoreFieldsItDoesNotKnow(@TempDir Path dir) throws Exception {
    Path file = dir.resolve(RunSummary.FILE);
    Files.writeString(file, "{\"steps\": 7, \"added_later\": {\"x\": 1}}");
    assertThat(RunSummary.read(file).steps()).isEqualTo(7);
  }

  @Test
  void configJsonShouldCarryTheLayoutAfterTheConfiguration(@TempDir Path dir) throws Exception {
    EffectiveConfig c = CONFIG.withLayout(64, List.of(1000, 2000));
    JsonNode json = written(c, dir.resolve(EffectiveConfig.FILE));
    List<String> expected = new ArrayList<>(CONFIG.rows().keySet());
    expected.addAll(List.of("steps_per_epoch", "gradient_buckets_bytes"));
    assertThat(names(json)).containsExactlyElementsOf(expected);
    assertThat(names(json))
        .startsWith(
            "model",
            "workers",
            "epochs",
            "batch_per_worker",
            "accumulation",
            "global_batch",
            "optimizer",
            "learning_rate",
            "effective_learning_rate");
    assertThat(EffectiveConfig.read(dir.resolve(EffectiveConfig.FILE))).isEqualTo(c);
  }

  @Test
  void theStartTableRowsShouldUseTheJsonNames(@TempDir Path dir) throws Exception {
    assertThat(CONFIG.rows().keySet())
        .containsExactlyElementsOf(names(written(CONFIG, dir.resolve(EffectiveConfig.FILE))));
    assertThat(CONFIG.rows())
        .containsEntry("global_batch", 128)
        .containsEntry("learning_rate", 0.001f);
  }
}
