package dev.cohort.train.ddp;

import ai.djl.nn.Parameter;
import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.Tensor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/** Keeps parameters identical across ranks: the initial broadcast, and checksums to verify it. */
public final class ParameterSync {
  private ParameterSync() {}

  /** Copies rank 0's parameters into every other rank's, in place. Collective. */
  public static void broadcastFromRank0(ProcessGroup pg, List<Parameter> params) {
    for (Parameter p : params) {
      ByteBuffer v = ParameterViews.value(p);
      pg.broadcast(Tensor.of(v, DataType.FLOAT32, v.capacity() / 4), 0);
    }
  }

  /**
   * Compares a CRC-32C of every parameter across ranks. Collective.
   *
   * @throws DivergenceException naming the ranks that differ from rank 0 and the first parameter
   *     that differs
   */
  public static void verifyIdentical(ProcessGroup pg, List<Parameter> params, String when) {
    int n = params.size();
    long[] mine = new long[n];
    for (int i = 0; i < n; i++) {
      CRC32C crc = new CRC32C();
      crc.update(ParameterViews.value(params.get(i)));
      mine[i] = crc.getValue();
    }
    long[] all = pg.allGather(mine);
    List<Integer> differing = new ArrayList<>();
    String firstParam = null;
    for (int r = 1; r < pg.size(); r++) {
      for (int i = 0; i < n; i++) {
        if (all[r * n + i] != all[i]) {
          differing.add(r);
          if (firstParam == null) {
            firstParam = params.get(i).getName() + " (parameter " + i + " of " + n + ")";
          }
          break;
        }
      }
    }
    if (!differing.isEmpty()) {
      throw new DivergenceException(
          "parameters diverged "
              + when
              + ": ranks "
              + differing
              + " differ from rank 0, first at "
              + firstParam
              + "; seen by rank "
              + pg.rank());
    }
  }
}
