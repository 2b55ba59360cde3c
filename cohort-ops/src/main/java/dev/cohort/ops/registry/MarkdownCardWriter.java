package dev.cohort.ops.registry;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders a {@link CardDocument} as CommonMark. Every text is escaped, so names and notes can never
 * become markup, links or raw HTML.
 */
final class MarkdownCardWriter {

  private static final String SPECIAL = "\\`*_[]<>|&~#";
  private static final Pattern BLOCK_START = Pattern.compile("^([-+=]|\\d+[.)])");
  private static final Pattern BACKTICKS = Pattern.compile("`+");

  private MarkdownCardWriter() {}

  /** The document as Markdown text. */
  static String write(CardDocument doc) {
    StringBuilder out = new StringBuilder("# ").append(escape(doc.title())).append("\n");
    for (CardDocument.Section section : doc.sections()) {
      out.append("\n## ").append(escape(section.heading())).append("\n");
      for (CardDocument.Block block : section.blocks()) {
        out.append('\n');
        block(out, block);
      }
    }
    return out.toString();
  }

  private static void block(StringBuilder out, CardDocument.Block block) {
    if (block instanceof CardDocument.Paragraph p) {
      out.append(escapeBlock(p.text())).append('\n');
    } else if (block instanceof CardDocument.Bullets b) {
      b.items().forEach(item -> out.append("- ").append(escapeBlock(item)).append('\n'));
    } else if (block instanceof CardDocument.Table t) {
      row(out, t.header());
      out.append("|").append(" --- |".repeat(t.header().size())).append('\n');
      t.rows().forEach(r -> row(out, r));
    } else if (block instanceof CardDocument.Code c) {
      String fence = "`".repeat(Math.max(3, longestBacktickRun(c.text()) + 1));
      out.append(fence).append('\n').append(c.text().stripTrailing()).append('\n');
      out.append(fence).append('\n');
    }
  }

  private static void row(StringBuilder out, List<String> cells) {
    out.append('|');
    cells.forEach(cell -> out.append(' ').append(escape(cell)).append(" |"));
    out.append('\n');
  }

  /** Escapes inline text: punctuation that means markup; line breaks become spaces. */
  static String escape(String text) {
    String flat = text.replaceAll("\\s*\\R\\s*", " ");
    StringBuilder out = new StringBuilder();
    for (char ch : flat.toCharArray()) {
      if (SPECIAL.indexOf(ch) >= 0) {
        out.append('\\');
      }
      out.append(ch);
    }
    return out.toString();
  }

  /** Escapes text that starts a line, where "- ", "+ ", "1. " or "1) " would open a list. */
  static String escapeBlock(String text) {
    StringBuilder out = new StringBuilder(escape(text));
    Matcher start = BLOCK_START.matcher(out);
    if (start.find()) {
      out.insert(start.end() - 1, '\\');
    }
    return out.toString();
  }

  private static int longestBacktickRun(String text) {
    int longest = 0;
    Matcher m = BACKTICKS.matcher(text);
    while (m.find()) {
      longest = Math.max(longest, m.group().length());
    }
    return longest;
  }
}
