package dev.cohort.comm.collective;

import dev.cohort.comm.Tensor;
import dev.cohort.comm.transport.Transfer;
import java.util.ArrayList;
import java.util.List;

/** Gather and scatter straight to and from the root: n-1 concurrent transfers at the root. */
public final class GatherDirect {

  /** Every rank's {@code in} lands in slot r of the root's {@code out}. */
  public void gather(CollectiveContext c, Tensor in, Tensor out, int root) {
    int block = in.count();
    if (c.rank() != root) {
      c.run(c.send(root, in, 0));
      return;
    }
    out.slice(root * block, block).bytes().put(in.bytes());
    List<Transfer> transfers = new ArrayList<>();
    for (int r = 0; r < c.size(); r++) {
      if (r != root) {
        transfers.add(c.recv(r, out.slice(r * block, block), 0));
      }
    }
    c.run(transfers);
  }

  /** Slot r of the root's {@code in} lands in {@code out} on rank r. */
  public void scatter(CollectiveContext c, Tensor in, Tensor out, int root) {
    int block = out.count();
    if (c.rank() != root) {
      c.run(c.recv(root, out, 0));
      return;
    }
    out.bytes().put(in.slice(root * block, block).bytes());
    List<Transfer> transfers = new ArrayList<>();
    for (int r = 0; r < c.size(); r++) {
      if (r != root) {
        transfers.add(c.send(r, in.slice(r * block, block), 0));
      }
    }
    c.run(transfers);
  }
}
