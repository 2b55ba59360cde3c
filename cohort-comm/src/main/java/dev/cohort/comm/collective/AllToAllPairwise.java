package dev.cohort.comm.collective;

import dev.cohort.comm.Tensor;
import dev.cohort.comm.transport.Transfer;
import java.util.ArrayList;
import java.util.List;

/**
 * All-to-all: every rank posts its n-1 sends and n-1 receives at once and the exchange drives them
 * together. Sends start at rank+1 and wrap, so at any moment ranks aim at different peers.
 */
public final class AllToAllPairwise {

  public void run(CollectiveContext c, Tensor in, Tensor out) {
    int n = c.size();
    int block = in.count() / n;
    int me = c.rank();
    out.slice(me * block, block).bytes().put(in.slice(me * block, block).bytes());
    List<Transfer> transfers = new ArrayList<>();
    for (int k = 1; k < n; k++) {
      int to = (me + k) % n;
      int from = (me - k + n) % n;
      transfers.add(c.send(to, in.slice(to * block, block), 0));
      transfers.add(c.recv(from, out.slice(from * block, block), 0));
    }
    c.run(transfers);
  }
}
