package dev.cohort.ops.prometheus;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of Prometheus' text exposition format (version 0.0.4) for tests: every line must
 * be a HELP or TYPE comment or a sample, every sample's family must have been typed, and label
 * values are unescaped. Anything else fails, naming the line.
 */
public final class PrometheusText {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern SAMPLE =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)( -?\\d+)?");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"(,|$)");

  /** One sample. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  private final List<Sample> samples;
  private final Map<String, String> types;

  private PrometheusText(List<Sample> samples, Map<String, String> types) {
    this.samples = samples;
    this.types = types;
  }

  /**
   * @throws IllegalArgumentException naming the first line that is not valid
   */
  public static PrometheusText parse(String text) {
    List<Sample> samples = new ArrayList<>();
    Map<String, String> types = new HashMap<>();
    int n = 0;
    for (String line : text.split("\n")) {
      n++;
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
        String[] p = line.substring(7).split(" ", 2);
        require(NAME.matcher(p[0]).matches(), n, line);
        if (line.startsWith("# TYPE ")) {
          require(
              p.length == 2 && p[1].matches("counter|gauge|histogram|summary|untyped"), n, line);
          types.put(p[0], p[1]);
        }
        continue;
      }
      require(!line.startsWith("#"), n, line);
      Matcher m = SAMPLE.matcher(line);
      require(m.matches(), n, line);
      String name = m.group(1);
      require(family(name, types).isPresent(), n, line + " (no TYPE before it)");
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(3) != null && !m.group(3).isEmpty()) {
        Matcher l = LABEL.matcher(m.group(3));
        int at = 0;
        while (at < m.group(3).length()) {
          require(l.find(at) && l.start() == at, n, line);
          labels.put(
              l.group(1),
              l.group(2).replace("\\\"", "\"").replace("\\n", "\n").replace("\\\\", "\\"));
          at = l.end();
        }
      }
      samples.add(new Sample(name, labels, value(m.group(4), n, line)));
    }
    return new PrometheusText(List.copyOf(samples), Map.copyOf(types));
  }

  private static Optional<String> family(String name, Map<String, String> types) {
    for (String suffix : new String[] {"", "_total", "_bucket", "_count", "_sum", "_created"}) {
      if (name.endsWith(suffix)) {
        String base = name.substring(0, name.length() - suffix.length());
        if (types.containsKey(base)) {
          return Optional.of(base);
        }
      }
    }
    return Optional.empty();
  }

  private static double value(String v, int n, String line) {
    return switch (v) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> {
        try {
          yield Double.parseDouble(v);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("line " + n + ": bad value: " + line);
        }
      }
    };
  }

  private static void require(boolean ok, int n, String line) {
    if (!ok) {
      throw new IllegalArgumentException("line " + n + " is not Prometheus text: " + line);
    }
  }

  /** The type of a metric family. */
  public String type(String family) {
    return types.get(family);
  }

  /** The value of the sample with this name and exactly these labels. */
  public double value(String name, Map<String, String> labels) {
    return samples.stream()
        .filter(s -> s.name().equals(name) && s.labels().equals(labels))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no sample " + name + labels + " in " + samples))
        .value();
  }

  public List<Sample> samples() {
    return samples;
  }
}
