package dev.cohort.train.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST family's format), plain or gzipped: a magic number whose third byte is
 * the element type (0x08 = unsigned byte, the only one these data sets use) and fourth byte the
 * number of dimensions, then each dimension as a big-endian int, then the data.
 */
public final class IdxReader {
  private static final int UNSIGNED_BYTE = 0x08;

  private IdxReader() {}

  /** An IDX array: its dimensions and its unsigned bytes. */
  public record IdxArray(int[] dims, byte[] data) {
    /** Elements per item (the product of all dimensions but the first). */
    public int itemSize() {
      int n = 1;
      for (int i = 1; i < dims.length; i++) {
        n *= dims[i];
      }
      return n;
    }

    public int items() {
      return dims[0];
    }
  }

  /**
   * Reads a whole file.
   *
   * @throws IOException if the file is missing, truncated or not an unsigned-byte IDX file; the
   *     message names the file
   */
  public static IdxArray read(Path file) throws IOException {
    try (InputStream raw = Files.newInputStream(file)) {
      InputStream in = new BufferedInputStream(raw, 1 << 16);
      in.mark(2);
      int b0 = in.read();
      int b1 = in.read();
      in.reset();
      if (b0 == 0x1f && b1 == 0x8b) {
        in = new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
      }
      return read(new DataInputStream(in), file.toString());
    }
  }

  static IdxArray read(DataInputStream in, String name) throws IOException {
    try {
      int magic = in.readInt();
      int type = (magic >> 8) & 0xFF;
      int rank = magic & 0xFF;
      if ((magic >>> 16) != 0 || type != UNSIGNED_BYTE || rank < 1 || rank > 4) {
        throw new IOException(
            name
                + " is not an unsigned-byte IDX file (magic 0x"
                + Integer.toHexString(magic)
                + ")");
      }
      int[] dims = new int[rank];
      long total = 1;
      for (int i = 0; i < rank; i++) {
        dims[i] = in.readInt();
        if (dims[i] < 0) {
          throw new IOException(name + ": negative dimension " + dims[i]);
        }
        total *= dims[i];
      }
      if (total > Integer.MAX_VALUE - 8) {
        throw new IOException(name + ": " + total + " elements is too many");
      }
      byte[] data = new byte[(int) total];
      in.readFully(data);
      return new IdxArray(dims, data);
    } catch (EOFException e) {
      throw new IOException(name + " is truncated", e);
    }
  }
}
