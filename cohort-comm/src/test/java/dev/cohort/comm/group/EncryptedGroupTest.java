package dev.cohort.comm.group;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.CommConfig.TransportKind;
import dev.cohort.comm.DataType;
import dev.cohort.comm.Encryption;
import dev.cohort.comm.GroupStats.Transport;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.ThreadWorld;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Encrypted TCP pairs carry collectives exactly as plain ones do: the same bits on every rank for
 * sizes from one element to many records, with reductions that consume records in pieces.
 */
@Timeout(120)
class EncryptedGroupTest {
  private static final int[] SIZES = {1, 7, 16_383, 16_384, 100_003, 1_500_000};

  @ParameterizedTest(name = "{0} ranks")
  @ValueSource(ints = {2, 3})
  void encryptedCollectivesShouldGiveTheSameBitsAsPlainOnes(int size) throws Exception {
    List<List<float[]>> plain = run(size, Encryption.OFF, Transport.TCP);
    List<List<float[]>> sealed = run(size, Encryption.ON, Transport.TCP_ENCRYPTED);
    for (int r = 0; r < size; r++) {
      for (int i = 0; i < plain.get(r).size(); i++) {
        assertThat(sealed.get(r).get(i))
            .as("rank %d, result %d", r, i)
            .isEqualTo(plain.get(r).get(i));
      }
    }
  }

  @org.junit.jupiter.api.Test
  void ranksOfOneHostShouldStillUpgradeToSharedMemoryWhenEncryptionIsOn() throws Exception {
    // Group formation on the TCP connection is encrypted; the shared-memory pair it sets up is
    // not (it never leaves the host).
    CommConfig cfg =
        ThreadWorld.config(TransportKind.SHM).toBuilder().encryption(Encryption.ON).build();
    try (ThreadWorld w = new ThreadWorld(cfg)) {
      List<Float> sums =
          w.run(
              3,
              0,
              cfg,
              pg -> {
                assertThat(pg.stats().transportTo((pg.rank() + 1) % 3)).isEqualTo(Transport.SHM);
                float[] x = random(100_003, pg.rank());
                pg.allReduce(x, ReduceOp.SUM);
                return x[100_002];
              });
      float expected = 0;
      for (int r = 0; r < 3; r++) {
        expected += random(100_003, r)[100_002];
      }
      assertThat(sums).containsOnly(expected);
    }
  }

  /** All-reduces and broadcasts of every size; returns each rank's results. */
  private static List<List<float[]>> run(int size, Encryption encryption, Transport expected)
      throws Exception {
    CommConfig cfg =
        ThreadWorld.config(TransportKind.TCP).toBuilder().encryption(encryption).build();
    try (ThreadWorld w = new ThreadWorld(cfg)) {
      return w.run(
          size,
          0,
          cfg,
          pg -> {
            assertThat(pg.stats().transportTo((pg.rank() + 1) % size)).isEqualTo(expected);
            List<float[]> results = new ArrayList<>();
            for (int n : SIZES) {
              float[] data = random(n, pg.rank());
              pg.allReduce(data, ReduceOp.SUM);
              results.add(data);
              float[] fromRoot = random(n, pg.rank() + 100);
              results.add(broadcast(pg, fromRoot, size - 1));
            }
            return results;
          });
    }
  }

  private static float[] random(int n, long seed) {
    Random r = new Random(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = r.nextFloat() - 0.5f;
    }
    return a;
  }

  private static float[] broadcast(ProcessGroup pg, float[] a, int root) {
    ByteBuffer b = ByteBuffer.allocateDirect(a.length * 4).order(ByteOrder.nativeOrder());
    b.asFloatBuffer().put(a);
    pg.broadcast(Tensor.of(b, DataType.FLOAT32, a.length), root);
    float[] out = new float[a.length];
    b.asFloatBuffer().get(out);
    return out;
  }
}
