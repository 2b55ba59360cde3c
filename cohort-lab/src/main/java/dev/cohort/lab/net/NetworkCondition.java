package dev.cohort.lab.net;

import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * A network to emulate between workers: one-way latency and its jitter, the rate of each worker's
 * link, and packet loss.
 *
 * @param name how reports label it (the spec it was parsed from, or a preset's name)
 * @param latencyMs one-way delay added to every message, in milliseconds
 * @param jitterMs extra delay spread uniformly over [0, jitter], in milliseconds
 * @param rateMbit each worker's link rate in Mbit/s, both directions; 0 means unlimited
 * @param lossPercent packets dropped at random on each worker's way out, in percent
 */
public record NetworkCondition(
    String name, double latencyMs, double jitterMs, double rateMbit, double lossPercent) {

  /** Named conditions, roughly: none, a rack, a campus LAN, a region, a continent. */
  public static final Map<String, String> PRESETS =
      Map.of(
          "none", "lat=0",
          "rack", "lat=0.05ms,rate=10gbit",
          "lan", "lat=0.5ms,rate=1gbit",
          "region", "lat=5ms,jitter=1ms,rate=1gbit",
          "wan", "lat=20ms,jitter=2ms,rate=100mbit");

  public NetworkCondition {
    if (!(latencyMs >= 0
        && jitterMs >= 0
        && rateMbit >= 0
        && lossPercent >= 0
        && lossPercent < 100
        && latencyMs <= 10_000
        && jitterMs <= 10_000)) {
      throw new IllegalArgumentException(
          "network "
              + name
              + ": need 0 <= latency, jitter <= 10 s, "
              + "rate >= 0 and 0 <= loss < 100%");
    }
  }

  /** No emulation at all: the plain path between workers. */
  public static NetworkCondition none() {
    return parse("none");
  }

  /**
   * Parses a preset name ({@link #PRESETS}) or a spec such as {@code lat=5ms,jitter=1ms,
   * rate=100mbit,loss=0.1%}. Latency and jitter take us, ms or s; rate takes kbit, mbit or gbit.
   */
  public static NetworkCondition parse(String spec) {
    String s = spec.strip().toLowerCase(Locale.ROOT);
    String body = PRESETS.getOrDefault(s, s);
    double lat = 0;
    double jitter = 0;
    double rate = 0;
    double loss = 0;
    for (String part : body.split(",")) {
      String[] kv = part.strip().split("=", 2);
      if (kv.length != 2) {
        throw bad(spec, "'" + part + "' is not key=value");
      }
      String v = kv[1].strip();
      switch (kv[0].strip()) {
        case "lat", "latency" -> lat = duration(spec, v);
        case "jitter" -> jitter = duration(spec, v);
        case "rate" -> rate = rate(spec, v);
        case "loss" -> loss = number(spec, v.endsWith("%") ? v.substring(0, v.length() - 1) : v);
        default -> throw bad(spec, "unknown key '" + kv[0].strip() + "'");
      }
    }
    return new NetworkCondition(spec.strip(), lat, jitter, rate, loss);
  }

  /** True when the workers' path needs nothing added. */
  public boolean isNone() {
    return latencyMs == 0 && jitterMs == 0 && rateMbit == 0 && lossPercent == 0;
  }

  /** True when messages must be delayed, which takes a user-space relay (no netem here). */
  public boolean needsDelay() {
    return latencyMs > 0 || jitterMs > 0;
  }

  /** Link rate in bytes per second; infinity when unlimited. */
  public double bytesPerSecond() {
    return rateMbit == 0 ? Double.POSITIVE_INFINITY : rateMbit * 1e6 / 8;
  }

  /** A one-line description: "5 ms ± 1 ms, 100 Mbit/s, 0.1% loss". */
  public String describe() {
    if (isNone()) {
      return "no emulation";
    }
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%s ms", trim(latencyMs)));
    if (jitterMs > 0) {
      b.append(String.format(Locale.ROOT, " + up to %s ms jitter", trim(jitterMs)));
    }
    b.append(
        rateMbit == 0
            ? ", unlimited rate"
            : String.format(Locale.ROOT, ", %s Mbit/s", trim(rateMbit)));
    if (lossPercent > 0) {
      b.append(String.format(Locale.ROOT, ", %s%% loss", trim(lossPercent)));
    }
    return b.toString();
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  private static double duration(String spec, String v) {
    if (v.endsWith("us")) {
      return number(spec, v.substring(0, v.length() - 2)) / 1000;
    }
    if (v.endsWith("ms")) {
      return number(spec, v.substring(0, v.length() - 2));
    }
    if (v.endsWith("s")) {
      return number(spec, v.substring(0, v.length() - 1)) * 1000;
    }
    return number(spec, v); // bare numbers are milliseconds
  }

  private static double rate(String spec, String v) {
    for (Map.Entry<String, Double> u : Map.of("kbit", 1e-3, "mbit", 1.0, "gbit", 1e3).entrySet()) {
      if (v.endsWith(u.getKey())) {
        return number(spec, v.substring(0, v.length() - u.getKey().length())) * u.getValue();
      }
    }
    if (v.equals("0") || v.equals("unlimited")) {
      return 0;
    }
    throw bad(spec, "rate '" + v + "' needs a unit: kbit, mbit or gbit");
  }

  private static double number(String spec, String v) {
    try {
      return Double.parseDouble(v.strip());
    } catch (NumberFormatException e) {
      throw bad(spec, "'" + v + "' is not a number");
    }
  }

  private static IllegalArgumentException bad(String spec, String why) {
    return new IllegalArgumentException(
        "network '"
            + spec
            + "': "
            + why
            + "; use a preset ("
            + String.join(", ", new TreeSet<>(PRESETS.keySet()))
            + ") or e.g. lat=5ms,jitter=1ms,rate=100mbit,loss=0.1%");
  }
}
