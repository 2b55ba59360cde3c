package dev.cohort.train.ddp;

import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.Tensor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Keeps a model's whole state (parameters and buffers) identical across ranks: the initial
 * broadcast, and checksums to verify it.
 */
final class StateSync {
  private StateSync() {}

  /** Copies rank 0's parameters and buffers into every other rank's, in place. Collective. */
  static void broadcastFromRank0(ProcessGroup pg, ModelState state) {
    for (ModelState.Entry e : state.all()) {
      ByteBuffer v = e.view();
      pg.broadcast(Tensor.of(v, DataType.FLOAT32, v.capacity() / 4), 0);
    }
  }

  /**
   * Compares a CRC-32C of every parameter and buffer across ranks. Collective.
   *
   * @throws DivergenceException naming the ranks that differ from rank 0 and the first tensor that
   *     differs (parameter or buffer)
   */
  static void verifyIdentical(ProcessGroup pg, ModelState state, String when) {
    List<ModelState.Entry> all = state.all();
    int n = all.size();
    long[] mine = new long[n];
    for (int i = 0; i < n; i++) {
      CRC32C crc = new CRC32C();
      crc.update(all.get(i).view());
      mine[i] = crc.getValue();
    }
    long[] gathered = pg.allGather(mine);
    List<Integer> differing = new ArrayList<>();
    String first = null;
    for (int r = 1; r < pg.size(); r++) {
      for (int i = 0; i < n; i++) {
        if (gathered[r * n + i] != gathered[i]) {
          differing.add(r);
          if (first == null) {
            first = all.get(i).describe(n);
          }
          break;
        }
      }
    }
    if (!differing.isEmpty()) {
      throw new DivergenceException(
          "model state diverged "
              + when
              + ": ranks "
              + differing
              + " differ from rank 0, first at "
              + first
              + "; seen by rank "
              + pg.rank());
    }
  }
}
