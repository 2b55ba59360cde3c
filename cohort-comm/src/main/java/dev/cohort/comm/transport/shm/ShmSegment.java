package dev.cohort.comm.transport.shm;

import dev.cohort.comm.CommException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The memory-mapped file that holds both rings of one shared-memory pair.
 *
 * <p>Lifetime: the lower rank creates the file, the higher rank maps it, and the creator unlinks it
 * as soon as both have mapped it; the mapping outlives the name, so nothing is left in /dev/shm
 * even if both processes are killed later. The name embeds the creator's pid so that files orphaned
 * by a crash during that short window are swept by the next job on the host ({@link #sweepStale}).
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
    Path path = dir.resolve(name);
    long size = HEADER_BYTES + 2L * ShmRing.footprint(ringBytes);
    try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
      f.setLength(size);
      MappedByteBuffer map = f.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, size);
      map.order(ByteOrder.nativeOrder());
      map.putLong(8, ringBytes);
      map.putLong(0, MAGIC);
      return new ShmSegment(path, map, ringBytes);
    } catch (IOException e) {
      unlink(path);
      throw new CommException(
          "cannot create shared memory "
              + path
              + " ("
              + size
              + " bytes): "
              + e
              + "; set COHORT_TRANSPORT=tcp to avoid shared memory",
          e);
    }
  }

  /** Maps a segment that a peer created. */
  static ShmSegment open(Path path, int ringBytes) {
    try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
      long size = f.length();
      MappedByteBuffer map = f.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, size);
      map.order(ByteOrder.nativeOrder());
      if (map.getLong(0) != MAGIC
          || map.getLong(8) != ringBytes
          || size != HEADER_BYTES + 2L * ShmRing.footprint(ringBytes)) {
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
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      System.getLogger(ShmSegment.class.getName())
          .log(System.Logger.Level.WARNING, "could not remove " + path + ": " + e);
    }
  }

  /** Removes segments whose creating process is gone; returns how many. */
  static int sweepStale(Path dir) {
    int removed = 0;
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, PREFIX + "*")) {
      for (Path p : files) {
        String[] parts = p.getFileName().toString().split("-");
        if (parts.length != 5) {
          continue;
        }
        try {
          long pid = Long.parseLong(parts[1]);
          if (ProcessHandle.of(pid).isEmpty()) {
            unlink(p);
            removed++;
          }
        } catch (NumberFormatException e) {
          // Not ours after all: leave it.
        }
      }
    } catch (IOException e) {
      System.getLogger(ShmSegment.class.getName())
          .log(System.Logger.Level.DEBUG, "cannot list " + dir + ": " + e);
    }
    return removed;
  }
}
