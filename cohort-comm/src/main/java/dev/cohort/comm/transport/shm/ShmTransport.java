package dev.cohort.comm.transport.shm;

import dev.cohort.comm.CommException;
import dev.cohort.comm.wire.FrameReader;
import dev.cohort.comm.wire.FrameWriter;
import dev.cohort.comm.wire.Frames;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Upgrades an authenticated TCP connection between two ranks of one host to a shared-memory pair.
 * The lower rank creates the segment and tells the higher one its path over the socket; the higher
 * one maps it and acknowledges; the lower one then unlinks the file (see {@link ShmSegment}).
 */
public final class ShmTransport {
  private static final AtomicBoolean SWEPT = new AtomicBoolean();

  private ShmTransport() {}

  /** Removes segments left by crashed jobs on this host; runs once per process. */
  public static void sweepOnce(Path dir) {
    if (SWEPT.compareAndSet(false, true)) {
      int n = ShmSegment.sweepStale(dir);
      if (n > 0) {
        System.getLogger(ShmTransport.class.getName())
            .log(
                System.Logger.Level.INFO,
                "removed "
                    + n
                    + " shared-memory segment(s) left by crashed Cohort processes in "
                    + dir);
      }
    }
  }

  /** True if {@code dir} exists and is writable, i.e. shared memory can be used at all. */
  public static boolean available(Path dir) {
    return Files.isDirectory(dir) && Files.isWritable(dir);
  }

  /** Lower-rank side: creates the segment, hands it over, unlinks it once the peer has it. */
  public static ShmPair create(
      int myRank,
      int peerRank,
      String peerAddress,
      SocketChannel channel,
      DataInputStream in,
      DataOutputStream out,
      Path dir,
      int ringBytes)
      throws IOException {
    ShmSegment seg = ShmSegment.create(dir, myRank, peerRank, ringBytes);
    try {
      Frames.write(out, new FrameWriter().string(seg.path.toString()).i32(ringBytes).toByteArray());
      FrameReader ack =
          new FrameReader(Frames.read(in, 1024, "rank " + peerRank), "rank " + peerRank);
      if (ack.u8() != 0) {
        throw new CommException(
            "rank "
                + peerRank
                + " ("
                + peerAddress
                + ") could not map shared "
                + "memory "
                + seg.path
                + ": "
                + ack.string());
      }
    } finally {
      ShmSegment.unlink(seg.path);
    }
    return new ShmPair(peerRank, peerAddress, seg.lowToHigh(), seg.highToLow(), channel);
  }

  /**
   * Higher-rank side: maps the segment the lower rank created, if its path is a file of this user
   * in a private Cohort folder directly under {@code dir} (see {@link ShmDirectory}).
   */
  public static ShmPair open(
      int peerRank,
      String peerAddress,
      SocketChannel channel,
      DataInputStream in,
      DataOutputStream out,
      Path dir)
      throws IOException {
    String what = "rank " + peerRank + " (" + peerAddress + ")";
    FrameReader offer = new FrameReader(Frames.read(in, 4096, what), what);
    String offered = offer.string();
    int ringBytes = offer.i32();
    offer.end();
    ShmSegment seg;
    try {
      seg = ShmSegment.open(dir, Path.of(offered), ringBytes, what);
    } catch (CommException | InvalidPathException e) {
      String problem =
          e instanceof CommException ? e.getMessage() : what + " offered a bad path: " + e;
      Frames.write(out, new FrameWriter().u8(1).string(problem).toByteArray());
      throw e instanceof CommException ce ? ce : new CommException(problem, e);
    }
    Frames.write(out, new FrameWriter().u8(0).toByteArray());
    return new ShmPair(peerRank, peerAddress, seg.highToLow(), seg.lowToHigh(), channel);
  }
}
