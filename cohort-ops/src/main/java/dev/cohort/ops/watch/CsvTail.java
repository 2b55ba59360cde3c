package dev.cohort.ops.watch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The lines a CSV file gained since the last look: a writer appends while this reads, so a line
 * without its end yet is left for the next look. Columns are found by the header's names; lines
 * that start with {@code #} are comments. A file that shrank, or whose first bytes (up to {@value
 * #HEAD} of those already read) changed, was started anew (a fresh run in the same folder; the
 * steps files open with a comment naming their start): it is read from the top, and the look says
 * so. Each look reads through one open channel. Not thread-safe.
 */
final class CsvTail {
  /** At most this much is read in one look, so that a huge file is taken in pieces. */
  private static final int MAX_READ = 8 << 20;

  /** How many of the file's first bytes identify it. */
  static final int HEAD = 4096;

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
  private byte[] head = new byte[0];

  CsvTail(Path file) {
    this.file = file;
  }

  Path file() {
    return file;
  }

  /** The complete lines added since the last call; none while the file does not exist. */
  Lines read() throws IOException {
    FileChannel ch;
    try {
      ch = FileChannel.open(file, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      return new Lines(List.of(), false);
    }
    try (ch) {
      long size = ch.size();
      boolean restarted = size < offset || !Arrays.equals(head, bytes(ch, 0, head.length));
      if (restarted) {
        offset = 0;
        columns = null;
        head = new byte[0];
      }
      if (size == offset) {
        return new Lines(List.of(), restarted);
      }
      byte[] bytes = bytes(ch, offset, (int) Math.min(MAX_READ, size - offset));
      List<Row> rows = new ArrayList<>();
      int start = 0;
      for (int i = 0; i < bytes.length; i++) {
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
      if (head.length < HEAD && offset > head.length) {
        head = bytes(ch, 0, (int) Math.min(HEAD, offset));
      }
      return new Lines(rows, restarted);
    }
  }

  /** Up to {@code n} bytes from {@code at}, fewer where the file ends. */
  private static byte[] bytes(FileChannel ch, long at, int n) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(n);
    while (buf.hasRemaining() && ch.read(buf, at + buf.position()) > 0) {
      // read on until the buffer is full or the file ends
    }
    return buf.position() == n ? buf.array() : Arrays.copyOf(buf.array(), buf.position());
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
