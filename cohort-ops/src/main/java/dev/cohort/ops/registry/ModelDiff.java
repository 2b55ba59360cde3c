package dev.cohort.ops.registry;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * How two versions differ: lineage fields and training-config keys that differ, and every metric
 * per evaluation set and per class with its delta.
 *
 * @param from the first version (the baseline of each delta)
 * @param to the second version
 * @param rows the differences, lineage first, then config, then metrics
 */
public record ModelDiff(ModelVersion from, ModelVersion to, List<DiffRow> rows) {

  /** Requires both versions and copies the rows. */
  public ModelDiff {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    rows = List.copyOf(rows);
  }

  /** Compares {@code a} (baseline) with {@code b}. */
  public static ModelDiff of(ModelVersion a, ModelVersion b) {
    List<DiffRow> rows = new ArrayList<>();
    lineage(rows, a, b);
    config(rows, a, b);
    metrics(rows, a.evaluation(), b.evaluation());
    return new ModelDiff(a, b, rows);
  }

  /** The rows of one section. */
  public List<DiffRow> rows(DiffRow.Section section) {
    return rows.stream().filter(r -> r.section() == section).toList();
  }

  /** The diff as a terminal table: section, key, both values and the delta. */
  public String table() {
    List<List<String>> cells = new ArrayList<>();
    for (DiffRow r : rows) {
      String delta =
          r.delta().isPresent() ? String.format(Locale.ROOT, "%+.4f", r.delta().getAsDouble()) : "";
      String section = r.section().name().toLowerCase(Locale.ROOT);
      cells.add(List.of(section, r.key(), r.from(), r.to(), delta));
    }
    String header = from.label() + " -> " + to.label() + "\n";
    return header + TextTable.render(List.of("", "key", from.label(), to.label(), "delta"), cells);
  }

  private static void lineage(List<DiffRow> rows, ModelVersion a, ModelVersion b) {
    text(rows, "model", a, b, ModelVersion::model);
    text(rows, "run dir", a, b, v -> v.lineage().runDir());
    text(rows, "code version", a, b, v -> String.valueOf(v.lineage().codeVersion()));
    text(rows, "strategy", a, b, v -> v.lineage().strategy());
    number(rows, "workers", a.lineage().worldSize(), b.lineage().worldSize());
    number(rows, "training seconds", a.lineage().trainingSeconds(), b.lineage().trainingSeconds());
    text(rows, "data fingerprint", a, b, v -> v.lineage().dataFingerprint());
    text(rows, "checkpoint digest", a, b, v -> v.lineage().checkpointDigest());
    text(rows, "checkpoint path", a, b, v -> v.lineage().checkpointPath());
  }

  private static void text(
      List<DiffRow> rows,
      String key,
      ModelVersion a,
      ModelVersion b,
      Function<ModelVersion, String> field) {
    String x = field.apply(a);
    String y = field.apply(b);
    if (!x.equals(y)) {
      rows.add(new DiffRow(DiffRow.Section.LINEAGE, key, x, y, OptionalDouble.empty()));
    }
  }

  private static void config(List<DiffRow> rows, ModelVersion a, ModelVersion b) {
    SortedMap<String, String> x =
        ConfigKeys.flatten(a.lineage().config(), "the config of " + a.label());
    SortedMap<String, String> y =
        ConfigKeys.flatten(b.lineage().config(), "the config of " + b.label());
    Set<String> keys = new TreeSet<>(x.keySet());
    keys.addAll(y.keySet());
    for (String key : keys) {
      String before = x.getOrDefault(key, DiffRow.ABSENT);
      String after = y.getOrDefault(key, DiffRow.ABSENT);
      if (!before.equals(after)) {
        rows.add(
            new DiffRow(DiffRow.Section.CONFIG, key, before, after, numericDelta(before, after)));
      }
    }
  }

  private static void metrics(List<DiffRow> rows, Evaluation a, Evaluation b) {
    // Both evaluations list "test" first, then shifts by name; keep that order for the union.
    Set<String> sets = new LinkedHashSet<>(a.sets().keySet());
    sets.addAll(b.sets().keySet());
    List<String> ordered = new ArrayList<>(sets);
    ordered.sort(
        (p, q) -> Evaluation.TEST.equals(p) ? -1 : Evaluation.TEST.equals(q) ? 1 : p.compareTo(q));
    for (String set : ordered) {
      SetScore x = a.sets().get(set);
      SetScore y = b.sets().get(set);
      metric(
          rows,
          set + " accuracy",
          x == null ? null : x.accuracy(),
          y == null ? null : y.accuracy());
      metric(rows, set + " loss", x == null ? null : x.loss(), y == null ? null : y.loss());
      int classes = Math.max(classes(x), classes(y));
      for (int c = 0; c < classes; c++) {
        metric(rows, set + " class " + c + " accuracy", classAccuracy(x, c), classAccuracy(y, c));
      }
    }
  }

  private static void metric(List<DiffRow> rows, String key, Double x, Double y) {
    String before = x == null ? DiffRow.ABSENT : String.format(Locale.ROOT, "%.4f", x);
    String after = y == null ? DiffRow.ABSENT : String.format(Locale.ROOT, "%.4f", y);
    OptionalDouble delta =
        x == null || y == null ? OptionalDouble.empty() : OptionalDouble.of(y - x);
    rows.add(new DiffRow(DiffRow.Section.METRIC, key, before, after, delta));
  }

  private static void number(List<DiffRow> rows, String key, double x, double y) {
    if (x != y) {
      rows.add(
          new DiffRow(DiffRow.Section.LINEAGE, key, plain(x), plain(y), OptionalDouble.of(y - x)));
    }
  }

  private static OptionalDouble numericDelta(String before, String after) {
    try {
      return OptionalDouble.of(Double.parseDouble(after) - Double.parseDouble(before));
    } catch (NumberFormatException notBothNumbers) {
      // Text, booleans, objects or an absent side: a config change with no numeric delta.
      return OptionalDouble.empty();
    }
  }

  private static String plain(double value) {
    return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
  }

  private static int classes(SetScore score) {
    return score == null ? 0 : score.classAccuracy().size();
  }

  private static Double classAccuracy(SetScore score, int c) {
    return score == null || c >= score.classAccuracy().size() ? null : score.classAccuracy().get(c);
  }
}
