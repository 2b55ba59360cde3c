package dev.cohort.train.compress;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.comm.DataType;
import dev.cohort.comm.Tensor;
import dev.cohort.train.tensor.TensorRanks;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The compressed average against the exact one: every rank ends with the same values, within 16-bit
 * precision of the float32 average, for sizes that do not divide by the ranks; and each rank sends
 * half the bytes of a float32 all-reduce.
 */
class CompressedAllReduceTest {

  /**
   * Gaussian values of one magnitude per chunk of 1,000, from 1e-7 to 10: fp16 keeps the small
   * ones' precision only by scaling them out of its subnormals (below 6.1e-5).
   */
  private static float[] input(int rank, int count) {
    Random r = new Random(100 + rank);
    float[] x = new float[count];
    for (int i = 0; i < count; i++) {
      x[i] = (float) (r.nextGaussian() * Math.pow(10, (i / 1000) % 9 - 7));
    }
    return x;
  }

  private record Out(float[] values, long sent) {}

  @Test
  void theAverageShouldHold16BitPrecisionOnEveryRank() throws Exception {
    int ranks = 3;
    int count = 10_001;
    for (Compression kind : List.of(Compression.FP16, Compression.BF16)) {
      List<Out> outs =
          TensorRanks.run(
              ranks,
              pg -> {
                CompressedAllReduce reduce = new CompressedAllReduce(pg, kind);
                Tensor t = Tensor.allocate(DataType.FLOAT32, count);
                FloatBuffer f = t.bytes().order(ByteOrder.nativeOrder()).asFloatBuffer();
                reduce.average(Tensor.allocate(DataType.FLOAT32, 3), 0); // smaller first: buffers
                f.put(input(pg.rank(), count));
                long sent = pg.stats().bytesSent();
                reduce.average(t, 1);
                float[] got = new float[count];
                t.bytes().order(ByteOrder.nativeOrder()).asFloatBuffer().get(got);
                return new Out(got, pg.stats().bytesSent() - sent);
              });
      double tolerance = kind == Compression.FP16 ? 2e-3 : 1.6e-2; // a few 16-bit roundings
      float[][] inputs = new float[ranks][];
      for (int r = 0; r < ranks; r++) {
        inputs[r] = input(r, count);
      }
      int chunk = ((count + ranks - 1) / ranks + 1) & ~1;
      for (int i = 0; i < count; i++) {
        double exact = 0;
        for (int r = 0; r < ranks; r++) {
          exact += inputs[r][i] / (double) ranks;
        }
        // The roundings are relative to the largest term of the value's block (a block of a
        // rank's chunk shares one scale), not to the sum, which may cancel.
        int from =
            i / chunk * chunk + (i % chunk) / CompressedAllReduce.BLOCK * CompressedAllReduce.BLOCK;
        double scale = 0;
        for (int j = from; j < Math.min(count, from + CompressedAllReduce.BLOCK); j++) {
          for (int r = 0; r < ranks; r++) {
            scale = Math.max(scale, Math.abs(inputs[r][j]) / ranks);
          }
        }
        float got = outs.get(0).values()[i];
        assertThat(Math.abs(got - exact) / scale)
            .as("%s element %d", kind, i)
            .isLessThan(tolerance);
      }
      for (Out o : outs) {
        assertThat(o.values()).isEqualTo(outs.get(0).values());
        // All-to-all and all-gather of 2 bytes each: (N-1)/N x 4 bytes per value, padded to even
        // chunks, each chunk behind its blocks' scales; a float32 ring all-reduce sends twice as
        // much.
        long words = (CompressedAllReduce.shorts(chunk) + 1) / 2;
        assertThat(o.sent()).isEqualTo(2 * (ranks - 1) * words * 4);
      }
    }
  }
}
