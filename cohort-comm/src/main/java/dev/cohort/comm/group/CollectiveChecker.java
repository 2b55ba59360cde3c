package dev.cohort.comm.group;

import dev.cohort.comm.CollectiveMismatchException;
import dev.cohort.comm.DataType;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.collective.CollectiveContext;
import dev.cohort.comm.collective.SmallGather;
import java.util.Arrays;

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
      return new long[] {
        op.ordinal(),
        type == null ? -1 : type.ordinal(),
        count,
        root,
        reduce == null ? -1 : reduce.ordinal(),
        seq
      };
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
    long[] words = SmallGather.longs(c, call.words(c.op().seq()));
    long[] first = Arrays.copyOfRange(words, 0, WORDS);
    for (int r = 1; r < c.size(); r++) {
      long[] other = Arrays.copyOfRange(words, r * WORDS, (r + 1) * WORDS);
      if (!Arrays.equals(first, other)) {
        throw new CollectiveMismatchException(
            "collective mismatch seen by rank "
                + c.rank()
                + ": rank 0 called "
                + Call.describe(first)
                + " but rank "
                + r
                + " called "
                + Call.describe(other)
                + "; every rank must issue the same collectives in the same "
                + "order");
      }
    }
  }
}
