package dev.cohort.comm.transport.shm;

import dev.cohort.comm.CommException;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Memory that several processes of one host map at once: the backing of tensors that collectives
 * read and write in place, with no copy through a ring. Files are made like ring segments (mode
 * 0600 in the creator's private folder, see {@link ShmDirectory}) so that the same sweeper removes
 * files orphaned by a crash; in normal operation the creator unlinks the file once every peer has
 * mapped it.
 */
public final class SharedArena {
  private static final SecureRandom RANDOM = new SecureRandom();

  private SharedArena() {}

  /**
   * Creates and maps a zero-filled file of {@code bytes} in this process's private folder under
   * {@code dir}; returns its path and mapping. The caller must {@link #unlink} it.
   */
  public static Mapping create(Path dir, int slot, long bytes) {
    byte[] nonce = new byte[8];
    RANDOM.nextBytes(nonce);
    String name =
        ShmSegment.PREFIX
            + ProcessHandle.current().pid()
            + "-"
            + HexFormat.of().formatHex(nonce)
            + "-buf-"
            + slot;
    Path path = null;
    try {
      path = ShmDirectory.of(dir).newFile(name);
      return new Mapping(path, map(path, bytes, true));
    } catch (IOException e) {
      if (path != null) {
        unlink(path);
      }
      throw new CommException(
          "cannot create shared memory "
              + (path != null ? path : dir.resolve(name))
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

  /**
   * Maps a file that {@code from} (a peer, for messages) created with {@link #create} under the
   * same {@code dir}; its size must be {@code bytes}. Refuses any path that is not a regular file
   * of this user in a private Cohort folder directly under {@code dir}; never creates a file.
   */
  public static MappedByteBuffer open(Path dir, Path path, long bytes, String from) {
    ShmDirectory.checkPeerFile(dir, path, from);
    try {
      return map(path, bytes, false);
    } catch (IOException e) {
      throw new CommException("cannot map shared memory " + path + ": " + e, e);
    }
  }

  /** Removes a file made by {@link #create} (its folder goes with the last one). */
  public static void unlink(Path path) {
    ShmSegment.unlink(path);
  }

  private static MappedByteBuffer map(Path path, long bytes, boolean create) throws IOException {
    try (FileChannel f =
        FileChannel.open(
            path, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
      if (!create && f.size() != bytes) {
        throw new IOException("size " + f.size() + " differs from the expected " + bytes);
      }
      MappedByteBuffer m = f.map(FileChannel.MapMode.READ_WRITE, 0, bytes); // grows a new file
      m.order(ByteOrder.nativeOrder());
      return m;
    }
  }

  /** A created file and its mapping. */
  public record Mapping(Path path, MappedByteBuffer buffer) {}
}
