package dev.cohort.comm.transport.shm;

import dev.cohort.comm.CommException;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The memory-mapped file that holds both rings of one shared-memory pair.
 *
 * <p>Lifetime: the lower rank creates the file (mode 0600, in its private 0700 folder, see {@link
 * ShmDirectory}), the higher rank checks and maps it, and the creator unlinks it as soon as both
 * have mapped it; the mapping outlives the name, so nothing is left in /dev/shm even if both
 * processes are killed later. The folder's name embeds the creator's pid so that files orphaned by
 * a crash during that short window are swept by the next job on the host ({@link #sweepStale}).
 */
final class ShmSegment {
  static final String PREFIX = "cohort-";
  private static final long MAGIC = 0x434F484F52545348L; // "COHORTSH"
  private static final int HEADER_BYTES = 4096;
  private static final SecureRandom RANDOM = new SecureRandom();

  final Path path;
  final MappedByteBuffer map;
  final int ringBytes;

  private ShmSegment(Path path, MappedByteBuffer map, int ringBytes) {
    this.path = path;
    this.map = map;
    this.ringBytes = ringBytes;
  }

  /** Creates and maps a new segment for the pair (lo, hi); the caller must {@link #unlink}. */
  static ShmSegment create(Path dir, int lo, int hi, int ringBytes) {
    byte[] nonce = new byte[8];
    RANDOM.nextBytes(nonce);
    String name =
        PREFIX
            + ProcessHandle.current().pid()
            + "-"
            + HexFormat.of().formatHex(nonce)
            + "-"
            + lo
            + "-"
            + hi;
    long size = HEADER_BYTES + 2L * ShmRing.footprint(ringBytes);
    Path path = null;
    try {
      path = ShmDirectory.of(dir).newFile(name);
      try (FileChannel f =
          FileChannel.open(
              path, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
        MappedByteBuffer map = f.map(FileChannel.MapMode.READ_WRITE, 0, size); // grows the file
        map.order(ByteOrder.nativeOrder());
        map.putLong(8, ringBytes);
        map.putLong(0, MAGIC);
        return new ShmSegment(path, map, ringBytes);
      }
    } catch (IOException e) {
      if (path != null) {
        unlink(path);
      }
      throw new CommException(
          "cannot create shared memory "
              + (path != null ? path : dir.resolve(name))
              + " ("
              + size
              + " bytes): "
              + e
              + "; set COHORT_TRANSPORT=tcp to avoid shared memory",
          e);
    }
  }

  /**
   * Maps a segment that a peer created, after {@link ShmDirectory#checkPeerFile} accepted its path
   * as a file of this user in a private folder under {@code dir}; never creates it.
   */
  static ShmSegment open(Path dir, Path path, int ringBytes, String from) {
    ShmDirectory.checkPeerFile(dir, path, from);
    try (FileChannel f =
        FileChannel.open(
            path, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
      long size = f.size();
      if (size != HEADER_BYTES + 2L * ShmRing.footprint(ringBytes)) {
        throw new CommException(
            "shared memory " + path + " is not a Cohort segment of ring size " + ringBytes);
      }
      MappedByteBuffer map = f.map(FileChannel.MapMode.READ_WRITE, 0, size);
      map.order(ByteOrder.nativeOrder());
      if (map.getLong(0) != MAGIC || map.getLong(8) != ringBytes) {
        throw new CommException(
            "shared memory " + path + " is not a Cohort segment of ring size " + ringBytes);
      }
      return new ShmSegment(path, map, ringBytes);
    } catch (IOException e) {
      throw new CommException("cannot open shared memory " + path + ": " + e, e);
    }
  }

  /** The ring that carries bytes from the lower rank to the higher one. */
  ShmRing lowToHigh() {
    return new ShmRing(map, HEADER_BYTES, ringBytes);
  }

  /** The ring that carries bytes from the higher rank to the lower one. */
  ShmRing highToLow() {
    return new ShmRing(map, HEADER_BYTES + ShmRing.footprint(ringBytes), ringBytes);
  }

  static void unlink(Path path) {
    ShmDirectory.unlink(path);
  }

  /**
   * Removes what crashed processes of this user left under {@code dir}: private folders (and files
   * of releases before them) whose creating process is gone; returns how many files.
   */
  static int sweepStale(Path dir) {
    int removed = 0;
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, PREFIX + "*")) {
      for (Path p : entries) {
        String[] parts = p.getFileName().toString().split("-");
        if ((parts.length != 3 && parts.length != 5) || !deadOwnedByMe(parts[1], p)) {
          continue;
        }
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          try (DirectoryStream<Path> files = Files.newDirectoryStream(p)) {
            for (Path f : files) {
              Files.deleteIfExists(f);
              removed++;
            }
          }
          Files.deleteIfExists(p);
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          Files.deleteIfExists(p);
          removed++;
        }
      }
    } catch (IOException e) {
      System.getLogger(ShmSegment.class.getName())
          .log(System.Logger.Level.DEBUG, "cannot sweep " + dir + ": " + e);
    }
    return removed;
  }

  private static boolean deadOwnedByMe(String pid, Path p) throws IOException {
    try {
      return ProcessHandle.of(Long.parseLong(pid)).isEmpty()
          && (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS)
              == ShmDirectory.currentUid();
    } catch (NumberFormatException e) {
      return false; // not ours after all: leave it
    }
  }
}
