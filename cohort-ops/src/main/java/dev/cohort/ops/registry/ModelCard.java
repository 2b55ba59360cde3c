package dev.cohort.ops.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A model card for one version (after Mitchell et al., "Model Cards for Model Reporting"): intended
 * use, training data and its fingerprint, evaluation data, metrics disaggregated per shift and per
 * class, how it was trained and what that cost, lineage, and caveats — the given ones plus those
 * the card finds itself (see {@link #caveats()}). Rendered as Markdown or as a self-contained HTML
 * page; all text is escaped in both. Immutable.
 */
public final class ModelCard {

  private static final String NONE = "-";

  private final ModelVersion version;
  private final boolean champion;
  private final CardNotes notes;
  private final List<String> caveats;

  private ModelCard(ModelVersion version, boolean champion, CardNotes notes) {
    this.version = version;
    this.champion = champion;
    this.notes = notes;
    List<String> all = new ArrayList<>(notes.caveats());
    all.addAll(CardCaveats.of(version.evaluation()));
    this.caveats = List.copyOf(all);
  }

  /** The card of {@code version}; {@code champion} says whether it is the model's champion now. */
  public static ModelCard of(ModelVersion version, boolean champion, CardNotes notes) {
    return new ModelCard(
        Objects.requireNonNull(version, "version"),
        champion,
        Objects.requireNonNull(notes, "notes"));
  }

  /**
   * The given caveats, then the automatic ones: each class whose test accuracy is more than 10
   * points below the mean class accuracy, each shifted set more than 5 points below the test
   * accuracy, and a missing test set.
   */
  public List<String> caveats() {
    return caveats;
  }

  /** The card as Markdown (CommonMark with pipe tables). */
  public String markdown() {
    return MarkdownCardWriter.write(document());
  }

  /** The card as a self-contained HTML page. */
  public String html() {
    return HtmlCardWriter.write(document());
  }

  CardDocument document() {
    Lineage l = version.lineage();
    List<CardDocument.Section> sections = new ArrayList<>();
    sections.add(section("Status", paragraph(status())));
    sections.add(section("Intended use", paragraph(notes.intendedUse())));
    sections.add(
        section(
            "Training data",
            new CardDocument.Bullets(
                List.of(
                    "Fingerprint (SHA-256 of the training data): " + l.dataFingerprint(),
                    "Training run: " + l.runDir()))));
    sections.add(section("Evaluation data", evaluationData()));
    sections.add(section("Metrics per evaluation set", metricsPerSet()));
    sections.add(section("Accuracy per class", accuracyPerClass()));
    sections.add(section("How it was trained", new CardDocument.Bullets(training(l))));
    sections.add(
        new CardDocument.Section(
            "Lineage",
            List.of(
                new CardDocument.Bullets(
                    List.of(
                        "Run folder: " + l.runDir(),
                        "Code version: "
                            + (l.codeVersion() == null ? "not recorded" : l.codeVersion()),
                        "Checkpoint: " + l.checkpointPath(),
                        "Checkpoint digest (SHA-256): " + l.checkpointDigest())),
                paragraph("Effective training config:"),
                new CardDocument.Code(l.config()))));
    sections.add(
        caveats.isEmpty()
            ? section("Caveats", paragraph("None known."))
            : section("Caveats", new CardDocument.Bullets(caveats)));
    return new CardDocument("Model card: " + version.label(), sections);
  }

  private String status() {
    String role =
        champion
            ? version.label() + " is the current champion of model " + version.model() + "."
            : version.label() + " is not the champion of model " + version.model() + ".";
    return role + " Registered by " + version.createdBy() + " at " + version.createdAt() + ".";
  }

  private CardDocument.Table evaluationData() {
    List<List<String>> rows = new ArrayList<>();
    for (Map.Entry<String, SetScore> set : version.evaluation().sets().entrySet()) {
      String name = set.getKey();
      String kind =
          name.equals(Evaluation.TEST)
              ? "held-out test set"
              : name.startsWith("shift:")
                  ? "test set under shift: " + name.substring("shift:".length())
                  : "other evaluation set";
      rows.add(List.of(name, kind, Long.toString(set.getValue().samples())));
    }
    return new CardDocument.Table(List.of("Set", "Kind", "Samples"), rows);
  }

  private CardDocument.Table metricsPerSet() {
    SetScore test = version.evaluation().sets().get(Evaluation.TEST);
    List<List<String>> rows = new ArrayList<>();
    for (Map.Entry<String, SetScore> set : version.evaluation().sets().entrySet()) {
      SetScore s = set.getValue();
      String vsTest =
          test == null || set.getKey().equals(Evaluation.TEST)
              ? NONE
              : String.format(Locale.ROOT, "%+.1f", (s.accuracy() - test.accuracy()) * 100);
      rows.add(List.of(set.getKey(), fraction(s.accuracy()), fraction(s.loss()), vsTest));
    }
    return new CardDocument.Table(
        List.of("Set", "Accuracy", "Loss", "Accuracy vs test (points)"), rows);
  }

  private CardDocument.Table accuracyPerClass() {
    Map<String, SetScore> sets = version.evaluation().sets();
    List<String> header = new ArrayList<>(List.of("Class"));
    header.addAll(sets.keySet());
    int classes = sets.values().stream().mapToInt(s -> s.classAccuracy().size()).max().orElse(0);
    List<List<String>> rows = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      List<String> row = new ArrayList<>(List.of(Integer.toString(c)));
      for (SetScore s : sets.values()) {
        row.add(c < s.classAccuracy().size() ? fraction(s.classAccuracy().get(c)) : NONE);
      }
      rows.add(row);
    }
    return new CardDocument.Table(header, rows);
  }

  private static List<String> training(Lineage l) {
    double seconds = l.trainingSeconds();
    double workerHours = l.worldSize() * seconds / 3600.0;
    return List.of(
        "Strategy: " + l.strategy(),
        "Workers: " + l.worldSize(),
        String.format(Locale.ROOT, "Training time: %s (%.0f s)", duration(seconds), seconds),
        String.format(
            Locale.ROOT,
            "Cost: %.2f worker-hours (%d workers x %.0f s)",
            workerHours,
            l.worldSize(),
            seconds));
  }

  private static String duration(double seconds) {
    long total = Math.round(seconds);
    return total >= 3600
        ? String.format(Locale.ROOT, "%d h %02d min", total / 3600, total % 3600 / 60)
        : String.format(Locale.ROOT, "%d min %02d s", total / 60, total % 60);
  }

  private static String fraction(double value) {
    return String.format(Locale.ROOT, "%.4f", value);
  }

  private static CardDocument.Paragraph paragraph(String text) {
    return new CardDocument.Paragraph(text);
  }

  private static CardDocument.Section section(String heading, CardDocument.Block block) {
    return new CardDocument.Section(heading, List.of(block));
  }
}
