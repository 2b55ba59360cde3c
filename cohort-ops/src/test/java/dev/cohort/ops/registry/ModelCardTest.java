package dev.cohort.ops.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class ModelCardTest {

  private static final ModelVersion VERSION =
      new ModelVersion(
          "demo",
          3,
          Fixtures.lineage("r3"),
          Evaluation.builder()
              .set("test", Fixtures.score(0.83, Fixtures.classes(0.85, 6, 0.641)))
              .set("shift:noise", Fixtures.score(0.71, Fixtures.classes(0.71, 0, 0.71)))
              .set("shift:dim", Fixtures.score(0.80, Fixtures.classes(0.80, 0, 0.80)))
              .build(),
          "alice",
          Instant.parse("2026-03-01T12:00:00Z"));

  private static final CardNotes NOTES =
      CardNotes.of(
          "Classifies 28x28 clothing images <script>alert('x')</script> for demos only.",
          "Not tested on colour images.");

  @Test
  void caveatsShouldAddWeakClassesAndCostlyShiftsToTheGivenOnes() {
    ModelCard card = ModelCard.of(VERSION, true, NOTES);
    assertThat(card.caveats())
        .containsExactly(
            "Not tested on colour images.",
            "class 6: test accuracy 0.6410 is 18.8 points below the mean class accuracy 0.8291",
            "shift:noise: accuracy 0.7100 is 12.0 points below the test accuracy 0.8300; expect"
                + " worse results on such inputs");
  }

  @Test
  void markdownShouldHoldEverySectionAndTheDisaggregatedTables() {
    String md = ModelCard.of(VERSION, true, NOTES).markdown();
    assertThat(md)
        .startsWith("# Model card: demo v3\n")
        .contains(
            "demo v3 is the current champion of model demo.",
            "## Intended use",
            "Fingerprint (SHA-256 of the training data): " + Fixtures.FINGERPRINT,
            "## Evaluation data",
            "| shift:noise | test set under shift: noise | 1000 |",
            "| Set | Accuracy | Loss | Accuracy vs test (points) |",
            "| shift:noise | 0.7100 | 0.2900 | -12.0 |",
            "| Class | test | shift:dim | shift:noise |",
            "| 6 | 0.6410 | 0.8000 | 0.7100 |",
            "Workers: 4",
            "Cost: 2.00 worker-hours (4 workers x 1800 s)",
            "Training time: 30 min 00 s (1800 s)",
            "Code version: 0123456789abcdef0123456789abcdef01234567",
            "Checkpoint digest (SHA-256): " + "c0".repeat(32),
            "```\n{\"epochs\":3,",
            "- class 6: test accuracy 0.6410");
    assertThat(md).doesNotContain("<script>").contains("\\<script\\>");
  }

  @Test
  void htmlShouldEscapeEverythingAndLoadNothing() {
    String html = ModelCard.of(VERSION, false, NOTES).html();
    assertThat(html)
        .startsWith("<!DOCTYPE html>")
        .contains(
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;",
            "demo v3 is not the champion of model demo.",
            "<th>Class</th><th>test</th><th>shift:dim</th><th>shift:noise</th>",
            "<td>6</td><td>0.6410</td>",
            "&quot;optimizer&quot;",
            Fixtures.FINGERPRINT)
        .doesNotContain("<script", "src=", "href=", "@import", "url(");
  }

  @Test
  void markdownEscapingShouldDefuseMarkupAndBlockStarts() {
    assertThat(MarkdownCardWriter.escape("a|b *c* [l](u) <b>"))
        .isEqualTo("a\\|b \\*c\\* \\[l\\](u) \\<b\\>");
    assertThat(MarkdownCardWriter.escapeBlock("- item")).isEqualTo("\\- item");
    assertThat(MarkdownCardWriter.escapeBlock("1. first\nsecond")).isEqualTo("1\\. first second");
  }

  @Test
  void cardWithoutTestSetShouldSaySo() {
    ModelVersion noTest =
        new ModelVersion(
            "demo",
            1,
            Fixtures.lineage("x"),
            Evaluation.builder().set("shift:dim", Fixtures.score(0.5, 0.5)).build(),
            "alice",
            Instant.EPOCH);
    assertThat(ModelCard.of(noTest, false, CardNotes.of("demo")).caveats())
        .containsExactly(
            "no held-out test set was evaluated, so accuracy on unseen data is unknown");
  }
}
