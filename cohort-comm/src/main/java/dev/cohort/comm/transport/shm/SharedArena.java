package dev.cohort.comm.transport.shm;

import dev.cohort.comm.CommException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Memory that several processes of one host map at once: the backing of tensors that collectives
 * read and write in place, with no copy through a ring. Named like ring segments ({@code
 * cohort-<pid>-<nonce>-buf-<slot>}) so that the same sweeper removes files orphaned by a crash; in
 * normal operation the creator unlinks the file once every peer has mapped it.
 */
public final class SharedArena {
  private static final SecureRandom RANDOM = new SecureRandom();

  private SharedArena() {}

  /** Creates and maps a zero-filled file of {@code bytes}; returns its path and mapping. */
  public static Mapping create(Path dir, int slot, long bytes) {
    byte[] nonce = new byte[8];
    RANDOM.nextBytes(nonce);
    Path path =
        dir.resolve(
            ShmSegment.PREFIX
                + ProcessHandle.current().pid()
                + "-"
                + HexFormat.of().formatHex(nonce)
                + "-buf-"
                + slot);
    try {
      return new Mapping(path, map(path, bytes, true));
    } catch (IOException e) {
      ShmSegment.unlink(path);
      throw new CommException(
          "cannot create shared memory "
              + path
              + " ("
              + bytes
              + " bytes): "
              + e
              + "; is "
              + dir
              + " full? (df -h "
              + dir
              + ")",
          e);
    }
  }

  /** Maps a file a peer created; its size must be {@code bytes}. */
  public static MappedByteBuffer open(Path path, long bytes) {
    if (!path.getFileName().toString().startsWith(ShmSegment.PREFIX)) {
      throw new CommException("refusing to map " + path + ": not a Cohort shared-memory file");
    }
    try {
      return map(path, bytes, false);
    } catch (IOException e) {
      throw new CommException("cannot map shared memory " + path + ": " + e, e);
    }
  }

  public static void unlink(Path path) {
    ShmSegment.unlink(path);
  }

  private static MappedByteBuffer map(Path path, long bytes, boolean create) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
      if (create) {
        f.setLength(bytes);
      } else if (f.length() != bytes) {
        throw new IOException("size " + f.length() + " differs from the expected " + bytes);
      }
      MappedByteBuffer m = f.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, bytes);
      m.order(ByteOrder.nativeOrder());
      return m;
    }
  }

  /** A created file and its mapping. */
  public record Mapping(Path path, MappedByteBuffer buffer) {}
}
