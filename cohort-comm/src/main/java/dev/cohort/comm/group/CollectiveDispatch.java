package dev.cohort.comm.group;

import dev.cohort.comm.CollectiveOptions;
import dev.cohort.comm.CommConfig;
import dev.cohort.comm.EnvKeys;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.collective.AllGatherRing;
import dev.cohort.comm.collective.AllGatherSharedMemory;
import dev.cohort.comm.collective.AllReduceSelector;
import dev.cohort.comm.collective.AllReduceSharedMemory;
import dev.cohort.comm.collective.AllToAllPairwise;
import dev.cohort.comm.collective.BarrierDissemination;
import dev.cohort.comm.collective.BroadcastBinomialTree;
import dev.cohort.comm.collective.BroadcastSharedMemory;
import dev.cohort.comm.collective.CollectiveContext;
import dev.cohort.comm.collective.GatherDirect;
import dev.cohort.comm.collective.ReduceScatterRing;
import dev.cohort.comm.collective.ReduceScatterSharedMemory;
import dev.cohort.comm.collective.Reductions;
import dev.cohort.comm.collective.Scratch;
import dev.cohort.comm.group.CollectiveChecker.Call;
import dev.cohort.comm.group.CollectiveChecker.Op;
import dev.cohort.comm.transport.CopyInbound;
import dev.cohort.comm.transport.Exchange;
import dev.cohort.comm.transport.OpContext;
import dev.cohort.comm.transport.Pair;
import dev.cohort.comm.transport.RecvTransfer;
import dev.cohort.comm.transport.SendTransfer;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Turns each call on a {@link DefaultProcessGroup} into a {@link Job}: checks the arguments at
 * once, on the caller's thread, and binds the call to the algorithm that will run it. The job's
 * body runs later on the {@link CommThread}, which gives it its sequence number; only then does its
 * deadline start.
 *
 * <p>Not thread-safe by itself: jobs are made under the group's issue order and run on one thread
 * at a time.
 */
final class CollectiveDispatch {
  /** Largest message a pipelined schedule sends at once. */
  private static final int PIECE_BYTES = 512 * 1024;

  private static final String PER_CALL_TIMEOUT = "the call's CollectiveOptions timeout";

  private final ProcessGroup group;
  private final CommConfig config;
  private final int rank;
  private final int size;
  private final Pair[] pairs;
  private final Exchange exchange;
  private final Scratch scratch = new Scratch();
  private final AllReduceSelector selector;
  private final CollectiveChecker checker = new CollectiveChecker();
  private final int[] sendSeq;
  private final int[] recvSeq;

  /**
   * @param group the group whose shared tensors take the zero-copy path
   */
  CollectiveDispatch(
      ProcessGroup group, CommConfig config, int rank, int size, Pair[] pairs, Exchange exchange) {
    this.group = group;
    this.config = config;
    this.rank = rank;
    this.size = size;
    this.pairs = pairs;
    this.exchange = exchange;
    this.selector = new AllReduceSelector(config.allReduceAlgorithm(), config.smallMessageBytes());
    this.sendSeq = new int[size];
    this.recvSeq = new int[size];
  }

  /**
   * The shared memory that {@code t} lies in, when a collective over it takes the zero-copy path: a
   * tensor of this group's {@link ProcessGroup#allocate}, larger than a small message. Small shared
   * tensors take the latency-optimal path: its one exchange beats the two synchronizations of the
   * in-place path. Every rank decides alike (same count, same config).
   */
  private SharedRegion zeroCopy(Tensor t) {
    SharedRegion region = TensorAccess.region(t);
    return region != null && region.group() == group && t.byteSize() > config.smallMessageBytes()
        ? region
        : null;
  }

  Job allReduce(Tensor t, ReduceOp op, CollectiveOptions o) {
    SharedRegion region = zeroCopy(t);
    return collective(
        new Call(Op.ALL_REDUCE, t.type(), t.count(), -1, op),
        o,
        c -> {
          if (region != null) {
            new AllReduceSharedMemory()
                .run(
                    c,
                    region.byRank(),
                    region.slot(),
                    TensorAccess.regionOffset(t),
                    t.type(),
                    t.count(),
                    op);
            return; // AVG is divided in the same pass
          }
          selector.choose(t.byteSize(), size).run(c, t, op);
          if (op == ReduceOp.AVG) {
            Reductions.finishAverage(t.type(), t.bytes(), 0, t.count(), size);
          }
        });
  }

  Job broadcast(Tensor t, int root, CollectiveOptions o) {
    checkRank(root, "root");
    SharedRegion shared = zeroCopy(t);
    return collective(
        new Call(Op.BROADCAST, t.type(), t.count(), root, null),
        o,
        c -> {
          if (shared != null) {
            new BroadcastSharedMemory()
                .run(
                    c,
                    shared.byRank(),
                    shared.slot(),
                    TensorAccess.regionOffset(t),
                    t.type(),
                    t.count(),
                    t.byteSize(),
                    root);
          } else {
            new BroadcastBinomialTree().run(c, t, root);
          }
        });
  }

  Job allGather(Tensor in, Tensor out, CollectiveOptions o) {
    requireBlocks(in, out, "allGather");
    SharedRegion shared = zeroCopy(out);
    return collective(
        new Call(Op.ALL_GATHER, in.type(), in.count(), -1, null),
        o,
        c -> {
          if (shared != null) {
            new AllGatherSharedMemory()
                .run(
                    c,
                    shared.byRank(),
                    shared.slot(),
                    TensorAccess.regionOffset(out),
                    out.type(),
                    out.count(),
                    in);
          } else {
            new AllGatherRing().run(c, in, out);
          }
        });
  }

  Job reduceScatter(Tensor in, Tensor out, ReduceOp op, CollectiveOptions o) {
    requireBlocks(out, in, "reduceScatter");
    SharedRegion shared = zeroCopy(in);
    return collective(
        new Call(Op.REDUCE_SCATTER, in.type(), in.count(), -1, op),
        o,
        c -> {
          if (shared != null) {
            new ReduceScatterSharedMemory()
                .run(
                    c,
                    shared.byRank(),
                    shared.slot(),
                    TensorAccess.regionOffset(in),
                    in.type(),
                    in.count(),
                    op,
                    out);
            return; // AVG is divided in the same pass
          }
          new ReduceScatterRing().run(c, in, out, op);
          if (op == ReduceOp.AVG) {
            Reductions.finishAverage(out.type(), out.bytes(), 0, out.count(), size);
          }
        });
  }

  Job gather(Tensor in, Tensor out, int root, CollectiveOptions o) {
    checkRank(root, "root");
    if (rank == root) {
      requireBlocks(in, out, "gather");
    }
    return collective(
        new Call(Op.GATHER, in.type(), in.count(), root, null),
        o,
        c -> new GatherDirect().gather(c, in, out, root));
  }

  Job scatter(Tensor in, Tensor out, int root, CollectiveOptions o) {
    checkRank(root, "root");
    if (rank == root) {
      requireBlocks(out, in, "scatter");
    }
    return collective(
        new Call(Op.SCATTER, out.type(), out.count(), root, null),
        o,
        c -> new GatherDirect().scatter(c, in, out, root));
  }

  Job allToAll(Tensor in, Tensor out, CollectiveOptions o) {
    if (in.type() != out.type() || in.count() != out.count() || in.count() % size != 0) {
      throw new IllegalArgumentException(
          "allToAll needs in and out of the same type and count, a "
              + "multiple of the group size "
              + size
              + "; got "
              + in
              + " and "
              + out);
    }
    return collective(
        new Call(Op.ALL_TO_ALL, in.type(), in.count(), -1, null),
        o,
        c -> new AllToAllPairwise().run(c, in, out));
  }

  Job barrier(CollectiveOptions o) {
    return collective(
        new Call(Op.BARRIER, null, 0, -1, null), o, c -> new BarrierDissemination().run(c));
  }

  Job send(Tensor t, int peer, int tag, CollectiveOptions o) {
    checkPeer(peer);
    return new Job(
        "send to rank " + peer,
        false,
        o.timeoutOr(config.timeout()),
        unused -> {
          OpContext op = start("send(tag " + tag + ") to rank " + peer, -(++sendSeq[peer]), o);
          exchange.run(op, new SendTransfer(pairs[peer], op.seq(), tag, t.bytes()));
        });
  }

  Job recv(Tensor t, int peer, int tag, CollectiveOptions o) {
    checkPeer(peer);
    return new Job(
        "recv from rank " + peer,
        false,
        o.timeoutOr(config.timeout()),
        unused -> {
          OpContext op = start("recv(tag " + tag + ") from rank " + peer, -(++recvSeq[peer]), o);
          exchange.run(
              op, new RecvTransfer(pairs[peer], op.seq(), tag, new CopyInbound(t.bytes())));
        });
  }

  private Job collective(Call call, CollectiveOptions o, Consumer<CollectiveContext> body) {
    return new Job(
        call.op().label,
        true,
        o.timeoutOr(config.timeout()),
        seq -> {
          CollectiveContext c =
              new CollectiveContext(
                  rank,
                  size,
                  pairs,
                  exchange,
                  start(call.op().label, seq, o),
                  PIECE_BYTES,
                  scratch);
          if (config.checkCollectives() && size > 1) {
            checker.check(c, call);
          }
          body.accept(c);
        });
  }

  /** The operation's identity and deadline, which starts now. */
  private OpContext start(String operation, int seq, CollectiveOptions o) {
    Duration own = o.timeout();
    return own != null
        ? OpContext.start(rank, operation, seq, own, PER_CALL_TIMEOUT)
        : OpContext.start(rank, operation, seq, config.timeout(), EnvKeys.COHORT_TIMEOUT_MS);
  }

  private void checkRank(int r, String what) {
    if (r < 0 || r >= size) {
      throw new IllegalArgumentException(what + " must be a rank in [0, " + size + "), got " + r);
    }
  }

  private void checkPeer(int peer) {
    checkRank(peer, "peer");
    if (peer == rank) {
      throw new IllegalArgumentException("rank " + rank + " cannot send to or receive from itself");
    }
  }

  private void requireBlocks(Tensor block, Tensor whole, String op) {
    if (block.type() != whole.type() || (long) block.count() * size != whole.count()) {
      throw new IllegalArgumentException(
          op
              + " needs "
              + size
              + " x "
              + block.count()
              + " "
              + block.type()
              + " elements in the larger buffer; got "
              + whole);
    }
  }
}
