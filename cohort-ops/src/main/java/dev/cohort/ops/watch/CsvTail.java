package dev.cohort.ops.watch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The lines a CSV file gained since the last look: a writer appends while this reads, so a line
 * without its end yet is left for the next look. Columns are found by the header's names. A file
 * that was replaced (another inode: a fresh run in the same folder writes a new file) or that
 * shrank was started over: it is read from the top, and the look says so. Not thread-safe.
 */
final class CsvTail {
  /** At most this much is read in one look, so that a huge file is taken in pieces. */
  private static final int MAX_READ = 8 << 20;

  /** A line's fields, by the header's names. */
  record Row(Map<String, Integer> columns, String[] fields) {
    /** The field, or null when the file has no such column. */
    String get(String column) {
      Integer i = columns.get(column);
      return i == null || i >= fields.length ? null : fields[i];
    }

    double number(String column) {
      String v = get(column);
      return v == null || v.isEmpty() ? Double.NaN : Double.parseDouble(v);
    }

    long whole(String column) {
      String v = get(column);
      return v == null || v.isEmpty() ? -1 : Long.parseLong(v);
    }
  }

  /** What a look found: {@code restarted} when the file was started over and is read anew. */
  record Lines(List<Row> rows, boolean restarted) {}

  private final Path file;
  private long offset;
  private Map<String, Integer> columns;
  private String firstLine;

  CsvTail(Path file) {
    this.file = file;
  }

  Path file() {
    return file;
  }

  /** The complete lines added since the last call; none while the file does not exist. */
  Lines read() throws IOException {
    boolean restarted = false;
    long size;
    try {
      size = Files.size(file);
    } catch (NoSuchFileException e) {
      return new Lines(List.of(), false);
    }
    String first = firstLine();
    if (size < offset || (firstLine != null && !firstLine.equals(first))) {
      offset = 0;
      columns = null;
      restarted = true;
    }
    firstLine = first;
    if (size == offset) {
      return new Lines(List.of(), restarted);
    }
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(MAX_READ, size - offset));
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      while (buf.hasRemaining() && ch.read(buf, offset + buf.position()) > 0) {
        // read on until the buffer is full or the file ends
      }
    }
    byte[] bytes = buf.array();
    int n = buf.position();
    List<Row> rows = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < n; i++) {
      if (bytes[i] != '\n') {
        continue;
      }
      String line = new String(bytes, start, i - start, StandardCharsets.UTF_8).strip();
      start = i + 1;
      if (line.isEmpty() || line.startsWith("#")) {
        continue; // a comment: who started the file, and when
      }
      if (columns == null) {
        columns = header(line);
      } else {
        rows.add(new Row(columns, line.split(",", -1)));
      }
    }
    offset += start; // a line without its end waits for the next look
    return new Lines(rows, restarted);
  }

  /** The file's first line (up to 256 bytes), null while it has none. */
  private String firstLine() throws IOException {
    ByteBuffer head = ByteBuffer.allocate(256);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ch.read(head, 0);
    } catch (NoSuchFileException e) {
      return null;
    }
    String text = new String(head.array(), 0, head.position(), StandardCharsets.UTF_8);
    int end = text.indexOf('\n');
    return end < 0 ? null : text.substring(0, end);
  }

  private static Map<String, Integer> header(String line) {
    String[] names = line.split(",", -1);
    Map<String, Integer> m = new HashMap<>();
    for (int i = 0; i < names.length; i++) {
      m.put(names[i], i);
    }
    return Map.copyOf(m);
  }
}
