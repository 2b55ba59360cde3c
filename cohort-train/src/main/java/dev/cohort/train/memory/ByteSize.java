package dev.cohort.train.memory;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes in bytes as users write them ({@code 512MiB}, {@code 2G}, {@code 1000000}) and read them.
 */
public final class ByteSize {
  private static final Pattern SIZE =
      Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)");

  private ByteSize() {}

  /**
   * Parses a size: a number and a unit, binary (KiB, MiB, GiB, TiB; K, M, G, T too) or decimal (KB,
   * MB, GB, TB); no unit means bytes.
   *
   * @param option names the option in the error, e.g. "--memory-budget"
   * @throws IllegalArgumentException naming the option and the forms accepted
   */
  public static long parse(String text, String option) {
    Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          option + " must be a size such as 512MiB, 2GiB or 1500000 (bytes), got '" + text + "'");
    }
    double unit =
        switch (m.group(2)) {
          case "", "b" -> 1;
          case "k", "kib" -> 1L << 10;
          case "m", "mib" -> 1L << 20;
          case "g", "gib" -> 1L << 30;
          case "t", "tib" -> 1L << 40;
          case "kb" -> 1e3;
          case "mb" -> 1e6;
          case "gb" -> 1e9;
          default -> 1e12; // tb
        };
    double bytes = Double.parseDouble(m.group(1)) * unit;
    if (bytes >= Long.MAX_VALUE) {
      throw new IllegalArgumentException(option + " is too large: " + text);
    }
    return Math.round(bytes);
  }

  /** {@code bytes} in the largest binary unit that keeps it at 1 or more: "41.3 MiB". */
  public static String format(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = 0;
    while (Math.abs(v) >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  /** {@code bytes} in MiB with one decimal, without the unit. */
  public static String mebibytes(long bytes) {
    return String.format(Locale.ROOT, "%.1f", bytes / (double) (1L << 20));
  }
}
