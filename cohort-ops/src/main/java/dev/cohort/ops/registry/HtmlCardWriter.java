package dev.cohort.ops.registry;

import java.util.List;

/**
 * Renders a {@link CardDocument} as one self-contained HTML page: inline style only, no scripts, no
 * external resources (a Content-Security-Policy forbids them), every text escaped.
 */
final class HtmlCardWriter {

  private static final String STYLE =
      "body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
          + "table{border-collapse:collapse;margin:.5em 0}"
          + "th,td{border:1px solid #bbb;padding:.2em .6em;text-align:left}"
          + "pre{background:#f4f4f4;padding:.6em;overflow-x:auto}";

  private HtmlCardWriter() {}

  /** The document as an HTML page. */
  static String write(CardDocument doc) {
    StringBuilder out = new StringBuilder();
    out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.append("<meta http-equiv=\"Content-Security-Policy\"")
        .append(" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
    out.append("<title>").append(escape(doc.title())).append("</title>\n");
    out.append("<style>").append(STYLE).append("</style>\n</head>\n<body>\n");
    out.append("<h1>").append(escape(doc.title())).append("</h1>\n");
    for (CardDocument.Section section : doc.sections()) {
      out.append("<h2>").append(escape(section.heading())).append("</h2>\n");
      section.blocks().forEach(block -> block(out, block));
    }
    return out.append("</body>\n</html>\n").toString();
  }

  private static void block(StringBuilder out, CardDocument.Block block) {
    if (block instanceof CardDocument.Paragraph p) {
      out.append("<p>").append(escape(p.text())).append("</p>\n");
    } else if (block instanceof CardDocument.Bullets b) {
      out.append("<ul>\n");
      b.items().forEach(item -> out.append("<li>").append(escape(item)).append("</li>\n"));
      out.append("</ul>\n");
    } else if (block instanceof CardDocument.Table t) {
      out.append("<table>\n<thead>");
      cells(out, "th", t.header());
      out.append("</thead>\n<tbody>\n");
      t.rows().forEach(r -> cells(out, "td", r));
      out.append("</tbody>\n</table>\n");
    } else if (block instanceof CardDocument.Code c) {
      out.append("<pre><code>").append(escape(c.text())).append("</code></pre>\n");
    }
  }

  private static void cells(StringBuilder out, String tag, List<String> cells) {
    out.append("<tr>");
    cells.forEach(
        cell ->
            out.append('<')
                .append(tag)
                .append('>')
                .append(escape(cell))
                .append("</")
                .append(tag)
                .append('>'));
    out.append("</tr>\n");
  }

  /** Escapes text for element content and quoted attribute values. */
  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (char ch : text.toCharArray()) {
      switch (ch) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(ch);
      }
    }
    return out.toString();
  }
}
