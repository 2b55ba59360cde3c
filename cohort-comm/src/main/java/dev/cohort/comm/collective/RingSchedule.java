package dev.cohort.comm.collective;

import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.transport.GatedTransfer;
import dev.cohort.comm.transport.Transfer;
import java.util.ArrayList;
import java.util.List;

/**
 * The two phases of a ring, shared by ring all-reduce, reduce-scatter and all-gather. Each rank
 * sends to its right neighbour and receives from its left one. Segments are cut into pieces of at
 * most {@link CollectiveContext#pieceBytes()}, and a piece is forwarded as soon as it has arrived,
 * so step s+1 of one piece overlaps step s of the next (the pipelining that keeps both directions
 * of every link busy).
 *
 * <p>{@code shift} moves which segment a rank ends up owning: after the reduce-scatter phase rank r
 * owns segment {@code r + 1 + shift} (mod n), fully reduced.
 */
final class RingSchedule {
  private final CollectiveContext c;
  private final Tensor t;
  private final Partition segments;
  private final int shift;
  private final int n;
  private final int right;
  private final int left;
  private final int pieceElems;

  RingSchedule(CollectiveContext c, Tensor t, int shift) {
    this.c = c;
    this.t = t;
    this.n = c.size();
    this.segments = new Partition(t.count(), n);
    this.shift = shift;
    this.right = (c.rank() + 1) % n;
    this.left = (c.rank() - 1 + n) % n;
    this.pieceElems = Math.max(1, c.pieceBytes() / t.type().bytes());
  }

  /** Segment index that this rank holds fully reduced after {@link #reduceScatter}. */
  int ownedSegment() {
    return mod(c.rank() + 1 + shift);
  }

  Tensor segment(int i) {
    return t.slice(segments.offset(i), segments.length(i));
  }

  /**
   * Step s: send segment (r - s + shift), receive and reduce segment (r - s - 1 + shift).
   *
   * @param out receives the transfers; returns the receives of the last step, one per piece
   */
  List<Transfer> reduceScatter(ReduceOp op, List<Transfer> out) {
    List<Transfer> previous = null;
    for (int s = 0; s < n - 1; s++) {
      Tensor send = segment(mod(c.rank() - s + shift));
      Tensor recv = segment(mod(c.rank() - s - 1 + shift));
      List<Transfer> received = new ArrayList<>();
      addPieces(send, s, previous, out);
      for (int p = 0; p < pieces(recv); p++) {
        Transfer r = c.recvReduce(left, piece(recv, p), op, tag(s, p));
        received.add(r);
        out.add(r);
      }
      previous = received;
    }
    return previous;
  }

  /**
   * Step s: send segment (r + 1 + shift - s), receive segment (r + shift - s) into place.
   *
   * @param owned receives after which the owned segment's pieces may leave, or null if ready now
   */
  void allGather(List<Transfer> owned, List<Transfer> out) {
    List<Transfer> previous = owned;
    for (int s = 0; s < n - 1; s++) {
      Tensor send = segment(mod(c.rank() + 1 + shift - s));
      Tensor recv = segment(mod(c.rank() + shift - s));
      List<Transfer> received = new ArrayList<>();
      addPieces(send, n - 1 + s, previous, out);
      for (int p = 0; p < pieces(recv); p++) {
        Transfer r = c.recv(left, piece(recv, p), tag(n - 1 + s, p));
        received.add(r);
        out.add(r);
      }
      previous = received;
    }
  }

  private void addPieces(Tensor send, int step, List<Transfer> gates, List<Transfer> out) {
    for (int p = 0; p < pieces(send); p++) {
      Transfer s = c.send(right, piece(send, p), tag(step, p));
      out.add(GatedTransfer.after(gates == null ? null : gates.get(p), s));
    }
  }

  private int pieces(Tensor seg) {
    return Math.max(1, (seg.count() + pieceElems - 1) / pieceElems);
  }

  private Tensor piece(Tensor seg, int p) {
    int from = p * pieceElems;
    return seg.slice(
        Math.min(from, seg.count()), Math.max(0, Math.min(pieceElems, seg.count() - from)));
  }

  private static int tag(int step, int piece) {
    return (step << 16) | (piece & 0xFFFF);
  }

  private int mod(int x) {
    return ((x % n) + n) % n;
  }
}
