package dev.cohort.comm.collective;

import dev.cohort.comm.Tensor;
import dev.cohort.comm.transport.GatedTransfer;
import dev.cohort.comm.transport.Transfer;
import java.util.ArrayList;
import java.util.List;

/**
 * Binomial-tree broadcast: log2(n) rounds, the set of ranks holding the data doubling each round.
 * Pieces are forwarded to children as soon as they arrive, so a large broadcast streams down the
 * tree instead of waiting for each level to finish.
 */
public final class BroadcastBinomialTree {

  public void run(CollectiveContext c, Tensor t, int root) {
    int n = c.size();
    if (n == 1) {
      return;
    }
    int vr = (c.rank() - root + n) % n;
    int pieceElems = Math.max(1, c.pieceBytes() / t.type().bytes());
    int pieces = Math.max(1, (t.count() + pieceElems - 1) / pieceElems);
    List<Transfer> transfers = new ArrayList<>();
    List<Transfer> arrived = new ArrayList<>();
    // The parent is vr with its lowest set bit cleared; children are vr + m for m below that bit.
    int lowBit = vr == 0 ? Integer.highestOneBit(n - 1) << 1 : Integer.lowestOneBit(vr);
    if (vr != 0) {
      int parent = (vr - lowBit + root) % n;
      for (int p = 0; p < pieces; p++) {
        Transfer r = c.recv(parent, piece(t, p, pieceElems), p);
        arrived.add(r);
        transfers.add(r);
      }
    }
    for (int m = lowBit >> 1; m >= 1; m >>= 1) {
      if (vr + m < n) {
        int child = (vr + m + root) % n;
        for (int p = 0; p < pieces; p++) {
          Transfer s = c.send(child, piece(t, p, pieceElems), p);
          transfers.add(GatedTransfer.after(arrived.isEmpty() ? null : arrived.get(p), s));
        }
      }
    }
    c.run(transfers);
  }

  private static Tensor piece(Tensor t, int p, int pieceElems) {
    int from = Math.min(t.count(), p * pieceElems);
    return t.slice(from, Math.min(pieceElems, t.count() - from));
  }
}
