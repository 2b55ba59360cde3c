package dev.cohort.comm.collective;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.comm.CollectiveMismatchException;
import dev.cohort.comm.CommConfig.TransportKind;
import dev.cohort.comm.DataType;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.ThreadWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Tensors from ProcessGroup.allocate reduce in place, exactly, on any transport. */
@Timeout(120)
class SharedAllReduceTest {

  static Stream<Arguments> worlds() {
    return Stream.of(1, 2, 3, 4, 7)
        .flatMap(
            n -> Stream.of(Arguments.of(n, TransportKind.SHM), Arguments.of(n, TransportKind.TCP)));
  }

  @ParameterizedTest(name = "{0} ranks over {1}")
  @MethodSource("worlds")
  void allocatedTensorsShouldReduceLikeAnyOther(int size, TransportKind transport)
      throws Exception {
    try (ThreadWorld w = new ThreadWorld(ThreadWorld.config(transport))) {
      w.run(
          size,
          pg -> {
            long seed = 100;
            for (DataType type : DataType.values()) {
              for (int count : new int[] {0, 1, size + 1, 50_001}) {
                Tensor shared = pg.allocate(type, count + 10);
                for (ReduceOp op : ReduceOp.values()) {
                  // A slice at an offset: buckets are slices of one big allocation.
                  Tensor t = shared.slice(10, count);
                  t.bytes().put(Reference.bytes(Reference.input(type, count, pg.rank(), seed)));
                  pg.allReduce(t, op);
                  assertThat(Reference.bytes(t))
                      .as("%s %s x %d", op, type, count)
                      .isEqualTo(Reference.bytes(Reference.reduce(type, op, count, size, seed)));
                  seed++;
                }
              }
            }
            return null;
          });
    }
  }

  /**
   * Reduce-scatter from, broadcast of and all-gather into allocated tensors (the zero-copy path
   * above the small-message size), out of place and in place (the output, or the input, being this
   * rank's block of the other), against the reference.
   */
  @ParameterizedTest(name = "{0} ranks over {1}")
  @MethodSource("worlds")
  void allocatedTensorsShouldReduceScatterAndAllGatherLikeAnyOther(
      int size, TransportKind transport) throws Exception {
    try (ThreadWorld w = new ThreadWorld(ThreadWorld.config(transport))) {
      w.run(
          size,
          pg -> {
            long seed = 500;
            for (DataType type : DataType.values()) {
              for (int block : new int[] {1, 30_001}) {
                int count = block * size;
                Tensor shared = pg.allocate(type, count + 10);
                Tensor all = shared.slice(10, count);
                Tensor mine = all.slice(pg.rank() * block, block);
                for (boolean inPlace : new boolean[] {false, true}) {
                  for (ReduceOp op : ReduceOp.values()) {
                    all.bytes().put(Reference.bytes(Reference.input(type, count, pg.rank(), seed)));
                    Tensor out = inPlace ? mine : Tensor.allocate(type, block);
                    long sent = pg.stats().bytesSent();
                    pg.reduceScatter(all, out, op);
                    zeroCopy(transport, size, block, pg.stats().bytesSent() - sent);
                    byte[] expected =
                        Reference.bytes(Reference.reduce(type, op, count, size, seed));
                    int b = block * type.bytes();
                    assertThat(Reference.bytes(out))
                        .as("reduce-scatter %s %s x %d, in place %s", op, type, count, inPlace)
                        .isEqualTo(
                            java.util.Arrays.copyOfRange(
                                expected, pg.rank() * b, (pg.rank() + 1) * b));
                    seed++;
                  }
                  for (int root : new int[] {0, size - 1}) {
                    Tensor from = Reference.input(type, count, root, seed);
                    all.bytes().put(Reference.bytes(Reference.input(type, count, pg.rank(), 99)));
                    if (pg.rank() == root) {
                      all.bytes().put(from.bytes());
                    }
                    long sent = pg.stats().bytesSent();
                    pg.broadcast(all, root);
                    zeroCopy(transport, size, block, pg.stats().bytesSent() - sent);
                    assertThat(Reference.bytes(all))
                        .as("broadcast %s x %d from rank %d", type, count, root)
                        .isEqualTo(Reference.bytes(from));
                  }
                  Tensor in = inPlace ? mine : Tensor.allocate(type, block);
                  Tensor whole = Reference.input(type, count, 0, seed);
                  in.bytes().put(whole.slice(pg.rank() * block, block).bytes());
                  long sent = pg.stats().bytesSent();
                  pg.allGather(in, all);
                  zeroCopy(transport, size, block, pg.stats().bytesSent() - sent);
                  assertThat(Reference.bytes(all))
                      .as("all-gather %s x %d, in place %s", type, count, inPlace)
                      .isEqualTo(Reference.bytes(whole));
                  seed++;
                }
              }
            }
            return null;
          });
    }
  }

  /**
   * Over shared memory a large collective sends only its agreement and exit barrier through the
   * group's messages: its data moves through the mappings.
   */
  private static void zeroCopy(TransportKind transport, int size, int block, long sent) {
    if (transport == TransportKind.SHM && size > 1 && block > 1) {
      assertThat(sent).as("bytes sent through messages").isLessThan(1024);
    }
  }

  @Test
  void ranksPassingDifferentSlicesShouldBeToldSo() throws Exception {
    try (ThreadWorld w = new ThreadWorld(ThreadWorld.config(TransportKind.SHM))) {
      List<Throwable> errors =
          w.run(
              2,
              pg -> {
                // Above the small-message size, where the in-place path (and its agreement) is
                // used.
                Tensor shared = pg.allocate(DataType.FLOAT32, 100_000);
                try {
                  pg.allReduce(shared.slice(pg.rank() == 0 ? 0 : 50_000, 50_000), ReduceOp.SUM);
                  return null;
                } catch (RuntimeException e) {
                  return e;
                }
              });
      assertThat(errors)
          .allSatisfy(
              e ->
                  assertThat(e)
                      .isInstanceOf(CollectiveMismatchException.class)
                      .hasMessageContaining("at byte 0 ")
                      .hasMessageContaining("at byte 200000"));
    }
  }

  @Test
  void sharedAllocationsShouldLeaveNoFilesBehind() throws Exception {
    Path dir = Files.createTempDirectory("cohort-shm-test");
    try (ThreadWorld w =
        new ThreadWorld(
            ThreadWorld.config(TransportKind.SHM).toBuilder().shmDirectory(dir).build())) {
      w.run(3, pg -> pg.allocate(DataType.FLOAT64, 1000).count());
    }
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left.toList()).isEmpty();
    }
  }
}
