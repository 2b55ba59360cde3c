package dev.cohort.ops.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class ModelDiffTest {

  private static ModelVersion version(int number, Lineage lineage, Evaluation evaluation) {
    return new ModelVersion("demo", number, lineage, evaluation, "alice", Instant.EPOCH);
  }

  private static final ModelVersion A =
      version(1, Fixtures.lineage("a"), Fixtures.evaluation(0.80, 0.70));

  private static final ModelVersion B =
      version(
          2,
          Lineage.builder()
              .runDir("/runs/b")
              .codeVersion("0123456789abcdef0123456789abcdef01234567")
              .config("{\"epochs\":5,\"optimizer\":{\"lr\":0.1,\"name\":\"adam\"},\"layers\":[64]}")
              .worldSize(8)
              .strategy("ddp-ring")
              .dataFingerprint(Fixtures.FINGERPRINT)
              .checkpointDigest("c0".repeat(32))
              .checkpointPath("/runs/b/checkpoint")
              .trainingSeconds(1800.25)
              .build(),
          Evaluation.builder()
              .set("test", Fixtures.score(0.85, Fixtures.classes(0.85, 6, 0.60)))
              .set("shift:dim", Fixtures.score(0.5, 0.5))
              .build());

  @Test
  void lineageShouldListOnlyTheFieldsThatDiffer() {
    ModelDiff diff = ModelDiff.of(A, B);
    assertThat(diff.rows(DiffRow.Section.LINEAGE))
        .extracting(DiffRow::key, DiffRow::from, DiffRow::to)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("run dir", "/runs/a", "/runs/b"),
            org.assertj.core.groups.Tuple.tuple("workers", "4", "8"),
            org.assertj.core.groups.Tuple.tuple(
                "checkpoint path", "/runs/a/checkpoint", "/runs/b/checkpoint"));
  }

  @Test
  void configShouldBeComparedByDottedKey() {
    ModelDiff diff = ModelDiff.of(A, B);
    assertThat(diff.rows(DiffRow.Section.CONFIG))
        .containsExactly(
            new DiffRow(DiffRow.Section.CONFIG, "epochs", "3", "5", OptionalDouble.of(2)),
            new DiffRow(
                DiffRow.Section.CONFIG, "layers[1]", "32", "(absent)", OptionalDouble.empty()),
            new DiffRow(
                DiffRow.Section.CONFIG,
                "optimizer.name",
                "\"sgd\"",
                "\"adam\"",
                OptionalDouble.empty()));
  }

  @Test
  void metricsShouldHaveDeltasPerSetAndPerClass() {
    ModelDiff diff = ModelDiff.of(A, B);
    DiffRow testAccuracy = row(diff, "test accuracy");
    assertThat(testAccuracy.from()).isEqualTo("0.8000");
    assertThat(testAccuracy.to()).isEqualTo("0.8500");
    assertThat(testAccuracy.delta().getAsDouble())
        .isCloseTo(0.05, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(row(diff, "test class 6 accuracy").delta().getAsDouble())
        .isCloseTo(-0.20, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(row(diff, "shift:noise accuracy").to()).isEqualTo("(absent)");
    assertThat(row(diff, "shift:noise accuracy").delta()).isEmpty();
    assertThat(row(diff, "shift:dim class 0 accuracy").from()).isEqualTo("(absent)");
    assertThat(diff.rows(DiffRow.Section.METRIC).get(0).key()).isEqualTo("test accuracy");
  }

  @Test
  void tableShouldAlignEveryRowUnderItsHeader() {
    String table = ModelDiff.of(A, B).table();
    assertThat(table).startsWith("demo v1 -> demo v2\n");
    assertThat(table).contains("config   epochs", "+2.0000", "test class 6 accuracy", "-0.2000");
    String[] lines = table.split("\n");
    int keyColumn = lines[1].indexOf("key");
    assertThat(lines[3].indexOf("run dir")).isEqualTo(keyColumn);
  }

  @Test
  void identicalVersionsShouldDifferOnlyInZeroMetricDeltas() {
    ModelDiff diff = ModelDiff.of(A, A);
    assertThat(diff.rows(DiffRow.Section.LINEAGE)).isEmpty();
    assertThat(diff.rows(DiffRow.Section.CONFIG)).isEmpty();
    assertThat(diff.rows(DiffRow.Section.METRIC))
        .allSatisfy(r -> assertThat(r.delta()).hasValue(0.0));
  }

  private static DiffRow row(ModelDiff diff, String key) {
    return diff.rows().stream().filter(r -> r.key().equals(key)).findFirst().orElseThrow();
  }
}
