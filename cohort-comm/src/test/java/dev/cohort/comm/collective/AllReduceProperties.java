package dev.cohort.comm.collective;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.comm.AllReduceAlgorithm;
import dev.cohort.comm.CommConfig;
import dev.cohort.comm.DataType;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.ThreadWorld;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Property-based: any world size, count, type, op, algorithm and transport reduce exactly. */
class AllReduceProperties {

  @Property(tries = 25)
  void allReduceEqualsTheSequentialReduction(
      @ForAll @IntRange(min = 1, max = 8) int size,
      @ForAll @IntRange(min = 0, max = 20_000) int count,
      @ForAll DataType type,
      @ForAll ReduceOp op,
      @ForAll CommConfig.TransportKind transport,
      @ForAll("algorithms") AllReduceAlgorithm algorithm,
      @ForAll @IntRange(min = 0, max = 1000) int seed)
      throws Exception {
    CommConfig cfg =
        ThreadWorld.config(transport).toBuilder().allReduceAlgorithm(algorithm).build();
    try (ThreadWorld w = new ThreadWorld(cfg)) {
      List<byte[]> results =
          w.run(
              size,
              pg -> {
                Tensor t = Reference.input(type, count, pg.rank(), seed);
                pg.allReduce(t, op);
                return Reference.bytes(t);
              });
      byte[] want = Reference.bytes(Reference.reduce(type, op, count, size, seed));
      assertThat(results).allSatisfy(r -> assertThat(r).isEqualTo(want));
    }
  }

  @Property
  void partitionsCoverTheRangeExactlyOnce(
      @ForAll @IntRange(min = 0, max = 100_000) int count,
      @ForAll @IntRange(min = 1, max = 64) int parts) {
    Partition p = new Partition(count, parts);
    int next = 0;
    for (int i = 0; i < parts; i++) {
      assertThat(p.offset(i)).isEqualTo(next);
      assertThat(p.length(i)).isBetween(count / parts, count / parts + 1);
      next += p.length(i);
    }
    assertThat(next).isEqualTo(count);
  }

  @Provide
  Arbitrary<AllReduceAlgorithm> algorithms() {
    return Arbitraries.of(AllReduceAlgorithm.schedules());
  }
}
