package dev.cohort.comm.collective;

import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import java.util.function.Function;

/**
 * Lets power-of-two algorithms run on any group size. With p the largest power of two not above n
 * and e = n - p extra ranks, each of the first 2e ranks pairs up: the even one hands its data to
 * the odd one and sits out, the odd one takes part, and gets the result back at the end. Ranks from
 * 2e on take part directly. Virtual ranks 0..p-1 number the participants.
 */
final class PowerOfTwoFold {
  final int p;
  final int extra;
  final int rank;

  PowerOfTwoFold(int rank, int size) {
    this.rank = rank;
    this.p = Integer.highestOneBit(size);
    this.extra = size - p;
  }

  /** This rank's virtual rank, or -1 if it sits out. */
  int virtualRank() {
    if (rank < 2 * extra) {
      return rank % 2 == 1 ? rank / 2 : -1;
    }
    return rank - extra;
  }

  /** The real rank behind virtual rank {@code v}. */
  int realRank(int v) {
    return v < extra ? 2 * v + 1 : v + extra;
  }

  /** The power-of-two part of an algorithm, run by participants with their virtual rank. */
  interface Body {
    void run(int virtualRank);
  }

  /**
   * Folds in, runs {@code body} on the participants, folds out: the whole non-power-of-two wrapper
   * around a power-of-two all-reduce schedule.
   */
  static void allReduce(
      CollectiveContext c, Tensor t, ReduceOp op, Function<PowerOfTwoFold, Body> schedule) {
    if (c.size() == 1) {
      return;
    }
    PowerOfTwoFold fold = new PowerOfTwoFold(c.rank(), c.size());
    fold.foldIn(c, t, op);
    int v = fold.virtualRank();
    if (v >= 0) {
      schedule.apply(fold).run(v);
    }
    fold.foldOut(c, t);
  }

  /** Before the algorithm: even ranks of the first 2e send everything to their odd partner. */
  void foldIn(CollectiveContext c, Tensor t, ReduceOp op) {
    if (rank >= 2 * extra) {
      return;
    }
    if (rank % 2 == 0) {
      c.run(c.send(rank + 1, t, -1));
    } else {
      c.run(c.recvReduce(rank - 1, t, op, -1));
    }
  }

  /** After the algorithm: the odd partners send the result back. */
  void foldOut(CollectiveContext c, Tensor t) {
    if (rank >= 2 * extra) {
      return;
    }
    if (rank % 2 == 0) {
      c.run(c.recv(rank + 1, t, -2));
    } else {
      c.run(c.send(rank - 1, t, -2));
    }
  }
}
