package dev.cohort.ops.registry;

import java.util.List;

/** Renders rows as a left-aligned, space-padded table for the terminal. */
final class TextTable {

  private TextTable() {}

  /** The header, a rule and the rows, columns padded to their widest cell. */
  static String render(List<String> header, List<List<String>> rows) {
    int[] widths = new int[header.size()];
    measure(widths, header);
    rows.forEach(row -> measure(widths, row));
    StringBuilder out = new StringBuilder();
    line(out, widths, header);
    for (int i = 0; i < widths.length; i++) {
      out.append(i == 0 ? "" : "  ").append("-".repeat(widths[i]));
    }
    out.append('\n');
    rows.forEach(row -> line(out, widths, row));
    return out.toString();
  }

  private static void measure(int[] widths, List<String> row) {
    for (int i = 0; i < widths.length; i++) {
      widths[i] = Math.max(widths[i], row.get(i).length());
    }
  }

  private static void line(StringBuilder out, int[] widths, List<String> row) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < widths.length; i++) {
      String cell = row.get(i);
      line.append(i == 0 ? "" : "  ").append(cell).append(" ".repeat(widths[i] - cell.length()));
    }
    out.append(line.toString().stripTrailing()).append('\n');
  }
}
