package dev.cohort.comm.collective;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.comm.CommConfig.TransportKind;
import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.ThreadWorld;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Broadcast, gathers, scatters, all-to-all, barrier and send/recv against naive expectations. */
@Timeout(300)
class CollectivesTest {
  private static final int[] BLOCKS = {0, 1, 3, 2049, 300_001};

  static Stream<Arguments> worlds() {
    List<Arguments> out = new ArrayList<>();
    for (int size : new int[] {1, 2, 3, 4, 7, 8}) {
      for (TransportKind k : new TransportKind[] {TransportKind.TCP, TransportKind.SHM}) {
        out.add(Arguments.of(size, k));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} ranks over {1}")
  @MethodSource("worlds")
  void everyCollectiveShouldMatchItsDefinition(int size, TransportKind transport) throws Exception {
    try (ThreadWorld w = new ThreadWorld(ThreadWorld.config(transport))) {
      w.run(
          size,
          pg -> {
            for (int block : BLOCKS) {
              for (DataType type : new DataType[] {DataType.FLOAT32, DataType.INT64}) {
                checkBroadcast(pg, type, block);
                checkAllGather(pg, type, block);
                checkReduceScatter(pg, type, block);
                checkGatherScatter(pg, type, block);
                checkAllToAll(pg, type, block);
              }
            }
            pg.barrier();
            checkSendRecv(pg);
            return null;
          });
    }
  }

  private static void checkBroadcast(ProcessGroup pg, DataType type, int count) {
    int root = pg.size() - 1;
    Tensor t =
        pg.rank() == root ? Reference.input(type, count, root, 7) : Tensor.allocate(type, count);
    pg.broadcast(t, root);
    assertThat(Reference.bytes(t))
        .isEqualTo(Reference.bytes(Reference.input(type, count, root, 7)));
  }

  private static void checkAllGather(ProcessGroup pg, DataType type, int block) {
    Tensor out = Tensor.allocate(type, block * pg.size());
    pg.allGather(Reference.input(type, block, pg.rank(), 8), out);
    for (int r = 0; r < pg.size(); r++) {
      assertThat(Reference.bytes(out.slice(r * block, block)))
          .as("slot %d", r)
          .isEqualTo(Reference.bytes(Reference.input(type, block, r, 8)));
    }
  }

  private static void checkReduceScatter(ProcessGroup pg, DataType type, int block) {
    int n = pg.size();
    Tensor in = Reference.input(type, block * n, pg.rank(), 9);
    Tensor out = Tensor.allocate(type, block);
    pg.reduceScatter(in, out, ReduceOp.SUM);
    Tensor want =
        Reference.reduce(type, ReduceOp.SUM, block * n, n, 9).slice(pg.rank() * block, block);
    assertThat(Reference.bytes(out)).isEqualTo(Reference.bytes(want));
  }

  private static void checkGatherScatter(ProcessGroup pg, DataType type, int block) {
    int n = pg.size();
    int root = n / 2;
    Tensor gathered = Tensor.allocate(type, block * n);
    pg.gather(Reference.input(type, block, pg.rank(), 10), gathered, root);
    if (pg.rank() == root) {
      for (int r = 0; r < n; r++) {
        assertThat(Reference.bytes(gathered.slice(r * block, block)))
            .isEqualTo(Reference.bytes(Reference.input(type, block, r, 10)));
      }
    }
    Tensor all = Reference.input(type, block * n, root, 11);
    Tensor mine = Tensor.allocate(type, block);
    pg.scatter(all, mine, root);
    assertThat(Reference.bytes(mine))
        .isEqualTo(Reference.bytes(all.slice(pg.rank() * block, block)));
  }

  private static void checkAllToAll(ProcessGroup pg, DataType type, int block) {
    int n = pg.size();
    Tensor in = Reference.input(type, block * n, pg.rank(), 12);
    Tensor out = Tensor.allocate(type, block * n);
    pg.allToAll(in, out);
    for (int src = 0; src < n; src++) {
      Tensor theirs = Reference.input(type, block * n, src, 12);
      assertThat(Reference.bytes(out.slice(src * block, block)))
          .isEqualTo(Reference.bytes(theirs.slice(pg.rank() * block, block)));
    }
  }

  private static void checkSendRecv(ProcessGroup pg) {
    int n = pg.size();
    if (n == 1) {
      return;
    }
    // Everyone sends to the right and receives from the left, asynchronously to avoid ordering.
    Tensor mine = Reference.input(DataType.FLOAT64, 5000, pg.rank(), 13);
    Tensor got = Tensor.allocate(DataType.FLOAT64, 5000);
    int right = (pg.rank() + 1) % n;
    int left = (pg.rank() - 1 + n) % n;
    if (pg.rank() % 2 == 0) {
      pg.send(mine, right, 42);
      pg.recv(got, left, 42);
    } else {
      pg.recv(got, left, 42);
      pg.send(mine, right, 42);
    }
    assertThat(Reference.bytes(got))
        .isEqualTo(Reference.bytes(Reference.input(DataType.FLOAT64, 5000, left, 13)));
  }
}
