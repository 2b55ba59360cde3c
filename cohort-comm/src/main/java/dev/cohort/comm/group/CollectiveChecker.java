package dev.cohort.comm.group;

import dev.cohort.comm.CollectiveMismatchException;
import dev.cohort.comm.collective.AllGatherRing;
import dev.cohort.comm.collective.CollectiveContext;
import java.nio.ByteBuffer;
import java.nio.LongBuffer;

/**
 * Check mode: before each collective, ranks all-gather a fingerprint of the call (operation, type,
 * count, root, reduce op, sequence number) and compare. The first rank that differs from rank 0 is
 * named, with both calls spelled out, on every rank. Costs one small all-gather per collective, so
 * it is off by default (COHORT_CHECK_COLLECTIVES=true turns it on).
 */
final class CollectiveChecker {
  private static final int WORDS = 6;

  /** What one rank called, as the fingerprint's words. */
  record Call(Op op, DataType type, long count, int root, ReduceOp reduce) {
    long[] words(int seq) {
      return new long[] {op.ordinal(), type == null ? -1 : type.ordinal(), count, root,
          reduce == null ? -1 : reduce.ordinal(), seq};
    }

    static String describe(long[] w) {
      Op op = Op.values()[(int) w[0]];
      StringBuilder sb = new StringBuilder(op.label).append(" #").append(w[5]).append('(');
      if (w[1] >= 0) {
        sb.append(DataType.values()[(int) w[1]]).append(" x ").append(w[2]);
      }
      if (w[3] >= 0) {
        sb.append(", root ").append(w[3]);
      }
      if (w[4] >= 0) {
        sb.append(", ").append(ReduceOp.values()[(int) w[4]]);
      }
      return sb.append(')').toString();
    }
  }

  /** The collectives, as named in messages. */
  enum Op {
    ALL_REDUCE("allReduce"),
    BROADCAST("broadcast"),
    ALL_GATHER("allGather"),
    REDUCE_SCATTER("reduceScatter"),
    GATHER("gather"),
    SCATTER("scatter"),
    ALL_TO_ALL("allToAll"),
    BARRIER("barrier");

    final String label;

    Op(String label) {
      this.label = label;
    }
  }

  void check(CollectiveContext c, Call call) {
    // Heap buffers: tiny, and garbage-collected like any object (direct ones are not).
    Tensor mine = Tensor.of(ByteBuffer.allocate(WORDS * 8), DataType.INT64, WORDS);
    mine.bytes().asLongBuffer().put(call.words(c.op().seq()));
    Tensor all = Tensor.of(ByteBuffer.allocate(WORDS * 8 * c.size()), DataType.INT64, WORDS * c.size());
    new AllGatherRing().run(c, mine, all);
    LongBuffer words = all.bytes().asLongBuffer();
    long[] first = new long[WORDS];
    words.get(0, first);
    for (int r = 1; r < c.size(); r++) {
      long[] other = new long[WORDS];
      words.get(r * WORDS, other);
      if (!java.util.Arrays.equals(first, other)) {
        throw new CollectiveMismatchException("collective mismatch seen by rank " + c.rank()
            + ": rank 0 called " + Call.describe(first) + " but rank " + r + " called "
            + Call.describe(other) + "; every rank must issue the same collectives in the same "
            + "order");
      }
    }
  }
}
