package dev.cohort.ops.registry;

import java.util.List;

/**
 * A model card's content, independent of its format: sections of paragraphs, bullet lists, tables
 * and code. {@link MarkdownCardWriter} and {@link HtmlCardWriter} render it; all text is plain and
 * is escaped by the writer.
 *
 * @param title the card's title
 * @param sections the sections in order
 */
record CardDocument(String title, List<Section> sections) {

  /** A titled section. */
  record Section(String heading, List<Block> blocks) {}

  /** A block of content within a section. */
  sealed interface Block permits Paragraph, Bullets, Table, Code {}

  /** Running text. */
  record Paragraph(String text) implements Block {}

  /** An unordered list. */
  record Bullets(List<String> items) implements Block {}

  /** A table; every row has as many cells as the header. */
  record Table(List<String> header, List<List<String>> rows) implements Block {}

  /** Preformatted text shown verbatim. */
  record Code(String text) implements Block {}
}
