package dev.cohort.comm.collective;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.comm.AllReduceAlgorithm;
import dev.cohort.comm.CommConfig;
import dev.cohort.comm.CommConfig.TransportKind;
import dev.cohort.comm.DataType;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.ThreadWorld;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every algorithm on every transport and world size 1-8 agrees with a sequential reduction. */
@Timeout(300)
class AllReduceTest {

  static Stream<Arguments> worlds() {
    List<Arguments> out = new ArrayList<>();
    for (int size : new int[] {1, 2, 3, 4, 5, 7, 8}) {
      for (TransportKind k : new TransportKind[] {TransportKind.TCP, TransportKind.SHM}) {
        for (AllReduceAlgorithm algo : AllReduceAlgorithm.schedules()) {
          out.add(Arguments.of(size, k, algo));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} ranks over {1} with {2}")
  @MethodSource("worlds")
  void allReduceShouldEqualSequentialReductionOnEveryRank(
      int size, TransportKind transport, AllReduceAlgorithm algorithm) throws Exception {
    CommConfig cfg =
        ThreadWorld.config(transport).toBuilder().allReduceAlgorithm(algorithm).build();
    int[] counts = {0, 1, size - 1, size + 1, 1023, 70_001};
    try (ThreadWorld w = new ThreadWorld(cfg)) {
      List<List<byte[]>> perRank =
          w.run(
              size,
              pg -> {
                List<byte[]> results = new ArrayList<>();
                long seed = 1;
                for (int count : counts) {
                  for (DataType type : DataType.values()) {
                    for (ReduceOp op : ReduceOp.values()) {
                      Tensor t = Reference.input(type, count, pg.rank(), seed);
                      pg.allReduce(t, op);
                      results.add(Reference.bytes(t));
                      byte[] want = Reference.bytes(Reference.reduce(type, op, count, size, seed));
                      assertThat(results.get(results.size() - 1))
                          .as("rank %d: %s %s of %d %s", pg.rank(), algorithm, op, count, type)
                          .isEqualTo(want);
                      seed++;
                    }
                  }
                }
                return results;
              });
      for (int r = 1; r < size; r++) {
        assertThat(perRank.get(r)).containsExactlyElementsOf(perRank.get(0));
      }
    }
  }

  @Test
  void randomFloatsShouldBeBitIdenticalAcrossRanks() throws Exception {
    for (AllReduceAlgorithm algorithm : AllReduceAlgorithm.schedules()) {
      CommConfig cfg =
          ThreadWorld.config(TransportKind.AUTO).toBuilder().allReduceAlgorithm(algorithm).build();
      try (ThreadWorld w = new ThreadWorld(cfg)) {
        List<byte[]> res =
            w.run(
                5,
                pg -> {
                  Tensor t = Tensor.allocate(DataType.FLOAT32, 100_003);
                  SplittableRandom rnd = new SplittableRandom(pg.rank());
                  for (int i = 0; i < t.count(); i++) {
                    t.bytes().putFloat(i * 4, (float) rnd.nextGaussian() * 1e3f);
                  }
                  pg.allReduce(t, ReduceOp.SUM);
                  return Reference.bytes(t);
                });
        for (byte[] r : res) {
          assertThat(r).as(algorithm.configName()).isEqualTo(res.get(0));
        }
      }
    }
  }

  @Test
  void sixtyFourMebibytesShouldReduceExactly() throws Exception {
    int count = 16 << 20; // 64 MiB of float32
    try (ThreadWorld w = new ThreadWorld(ThreadWorld.config(TransportKind.AUTO))) {
      List<Boolean> ok =
          w.run(
              3,
              pg -> {
                Tensor t = Reference.input(DataType.FLOAT32, count, pg.rank(), 99);
                pg.allReduce(t, ReduceOp.SUM);
                return Arrays.equals(
                    Reference.bytes(t),
                    Reference.bytes(
                        Reference.reduce(DataType.FLOAT32, ReduceOp.SUM, count, 3, 99)));
              });
      assertThat(ok).containsOnly(true);
    }
  }
}
