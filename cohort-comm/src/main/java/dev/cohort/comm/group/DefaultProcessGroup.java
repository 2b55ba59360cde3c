package dev.cohort.comm.group;

import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.Work;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.CommException;
import dev.cohort.comm.collective.AllGatherRing;
import dev.cohort.comm.collective.AllReduceSelector;
import dev.cohort.comm.collective.AllReduceSharedMemory;
import dev.cohort.comm.collective.AllToAllPairwise;
import dev.cohort.comm.collective.BarrierDissemination;
import dev.cohort.comm.collective.BroadcastBinomialTree;
import dev.cohort.comm.collective.CollectiveContext;
import dev.cohort.comm.collective.GatherDirect;
import dev.cohort.comm.collective.ReduceScatterRing;
import dev.cohort.comm.collective.Reductions;
import dev.cohort.comm.collective.Scratch;
import dev.cohort.comm.group.CollectiveChecker.Call;
import dev.cohort.comm.group.CollectiveChecker.Op;
import dev.cohort.comm.store.PrefixStore;
import dev.cohort.comm.Store;
import dev.cohort.comm.transport.CopyInbound;
import dev.cohort.comm.transport.Exchange;
import dev.cohort.comm.transport.Mesh;
import dev.cohort.comm.transport.OpContext;
import dev.cohort.comm.transport.Pair;
import dev.cohort.comm.transport.RecvTransfer;
import dev.cohort.comm.transport.SendTransfer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The process group: a full mesh of pairs plus one communication thread that runs collectives in
 * issue order. See {@link ProcessGroup} for the contract.
 *
 * <p>On the first failure the group reports it to the store (first report wins, so later errors
 * elsewhere can name the original culprit), closes every pair so that peers blocked on this rank
 * fail fast instead of waiting for their timeout, and latches the error for all later calls.
 */
public final class DefaultProcessGroup implements ProcessGroup {
  private static final System.Logger LOG = System.getLogger(DefaultProcessGroup.class.getName());
  private static final int PIECE_BYTES = 512 * 1024;

  private final CommConfig config;
  private final Store store;
  private final int rank;
  private final int size;
  private final Pair[] pairs;
  private final Exchange exchange;
  private final Scratch scratch = new Scratch();
  private final ExecutorService thread;
  private final AllReduceSelector selector;
  private final CollectiveChecker checker = new CollectiveChecker();
  private final SharedAllocator sharedMemory;
  private final List<AutoCloseable> owned = new ArrayList<>();
  private final int[] sendSeq;
  private final int[] recvSeq;
  private int nextSeq;
  /** Collectives queued to the comm thread and not yet finished; guarded by this. */
  private int queued;
  private int nextSubGroup;
  private volatile RuntimeException failure;
  private volatile boolean closed;

  private DefaultProcessGroup(CommConfig config, Store store, int rank, int size, Pair[] pairs) {
    this.config = config;
    this.store = store;
    this.rank = rank;
    this.size = size;
    this.pairs = pairs;
    this.selector = new AllReduceSelector(config.allReduceAlgorithm(), config.smallMessageBytes());
    long localRanks = 1 + java.util.Arrays.stream(pairs).filter(p -> p != null && "shm".equals(p.kind())).count();
    this.exchange = new Exchange(localRanks <= Runtime.getRuntime().availableProcessors()
        ? Exchange.SPIN_NANOS_DEDICATED : Exchange.SPIN_NANOS_OVERSUBSCRIBED);
    this.sendSeq = new int[size];
    this.recvSeq = new int[size];
    this.sharedMemory = new SharedAllocator(this, store, config);
    this.thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "cohort-comm-rank" + rank);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Connects {@code rank} to the other ranks of a world already formed in {@code store} (see
   * {@link Rendezvous}).
   */
  public static DefaultProcessGroup connect(CommConfig config, Store store, int rank, int size) {
    Pair[] pairs = Mesh.connect(config, store, rank, size);
    return new DefaultProcessGroup(config, store, rank, size, pairs);
  }

  /** Closes {@code c} when the group closes (the store server or client it was built on). */
  public void own(AutoCloseable c) {
    owned.add(c);
  }

  @Override
  public int rank() {
    return rank;
  }

  @Override
  public int size() {
    return size;
  }

  /**
   * Time this rank's collectives have spent stalled, waiting for peers, since the group formed
   * (ns). The rest of their time is moving and reducing bytes.
   */
  public long waitNanos() {
    return exchange.waitNanos();
  }

  /** The transport used to reach {@code peer}: "tcp", "shm", or "self". */
  public String transportTo(int peer) {
    return peer == rank ? "self" : pairs[peer].kind();
  }

  @Override
  public Work allReduceAsync(Tensor t, ReduceOp op) {
    return issue(allReduceJob(t, op), false);
  }

  @Override
  public void allReduce(Tensor t, ReduceOp op) {
    issue(allReduceJob(t, op), true).await();
  }

  private Job allReduceJob(Tensor t, ReduceOp op) {
    // Small shared tensors take the latency-optimal path: its one exchange beats the two
    // synchronizations of the in-place path. Every rank decides alike (same count, same config).
    SharedRegion region = TensorAccess.region(t) != null && TensorAccess.region(t).group() == this
        && t.byteSize() > config.smallMessageBytes() ? TensorAccess.region(t) : null;
    return collective(new Call(Op.ALL_REDUCE, t.type(), t.count(), -1, op), c -> {
      if (region != null) {
        new AllReduceSharedMemory().run(c, region.byRank(), region.slot(), TensorAccess.regionOffset(t),
            t.type(), t.count(), op);
        return; // AVG is divided in the same pass
      }
      selector.choose(t.byteSize(), size).run(c, t, op);
      if (op == ReduceOp.AVG) {
        Reductions.finishAverage(t.type(), t.bytes(), 0, t.count(), size);
      }
    });
  }

  @Override
  public Work broadcastAsync(Tensor t, int root) {
    return issue(broadcastJob(t, root), false);
  }

  @Override
  public void broadcast(Tensor t, int root) {
    issue(broadcastJob(t, root), true).await();
  }

  private Job broadcastJob(Tensor t, int root) {
    checkRank(root, "root");
    return collective(new Call(Op.BROADCAST, t.type(), t.count(), root, null),
        c -> new BroadcastBinomialTree().run(c, t, root));
  }

  @Override
  public Work allGatherAsync(Tensor in, Tensor out) {
    requireBlocks(in, out, "allGather");
    return issue(collective(new Call(Op.ALL_GATHER, in.type(), in.count(), -1, null),
        c -> new AllGatherRing().run(c, in, out)), false);
  }

  @Override
  public Work reduceScatterAsync(Tensor in, Tensor out, ReduceOp op) {
    requireBlocks(out, in, "reduceScatter");
    return issue(collective(new Call(Op.REDUCE_SCATTER, in.type(), in.count(), -1, op), c -> {
      new ReduceScatterRing().run(c, in, out, op);
      if (op == ReduceOp.AVG) {
        Reductions.finishAverage(out.type(), out.bytes(), 0, out.count(), size);
      }
    }), false);
  }

  @Override
  public Work gatherAsync(Tensor in, Tensor out, int root) {
    checkRank(root, "root");
    if (rank == root) {
      requireBlocks(in, out, "gather");
    }
    return issue(collective(new Call(Op.GATHER, in.type(), in.count(), root, null),
        c -> new GatherDirect().gather(c, in, out, root)), false);
  }

  @Override
  public Work scatterAsync(Tensor in, Tensor out, int root) {
    checkRank(root, "root");
    if (rank == root) {
      requireBlocks(out, in, "scatter");
    }
    return issue(collective(new Call(Op.SCATTER, out.type(), out.count(), root, null),
        c -> new GatherDirect().scatter(c, in, out, root)), false);
  }

  @Override
  public Work allToAllAsync(Tensor in, Tensor out) {
    if (in.type() != out.type() || in.count() != out.count() || in.count() % size != 0) {
      throw new IllegalArgumentException("allToAll needs in and out of the same type and count, a "
          + "multiple of the group size " + size + "; got " + in + " and " + out);
    }
    return issue(collective(new Call(Op.ALL_TO_ALL, in.type(), in.count(), -1, null),
        c -> new AllToAllPairwise().run(c, in, out)), false);
  }

  @Override
  public Work barrierAsync() {
    return issue(barrierJob(), false);
  }

  @Override
  public void barrier() {
    issue(barrierJob(), true).await();
  }

  private Job barrierJob() {
    return collective(new Call(Op.BARRIER, null, 0, -1, null), c -> new BarrierDissemination().run(c));
  }

  @Override
  public Work sendAsync(Tensor t, int peer, int tag) {
    checkPeer(peer);
    return issue(new Job("send to rank " + peer, false, unused -> {
      OpContext op = OpContext.start(rank, "send(tag " + tag + ") to rank " + peer,
          -(++sendSeq[peer]), config.timeout());
      exchange.run(op, new SendTransfer(pairs[peer], op.seq(), tag, t.bytes()));
    }), false);
  }

  @Override
  public Work recvAsync(Tensor t, int peer, int tag) {
    checkPeer(peer);
    return issue(new Job("recv from rank " + peer, false, unused -> {
      OpContext op = OpContext.start(rank, "recv(tag " + tag + ") from rank " + peer,
          -(++recvSeq[peer]), config.timeout());
      exchange.run(op, new RecvTransfer(pairs[peer], op.seq(), tag, new CopyInbound(t.bytes())));
    }), false);
  }

  @Override
  public Tensor allocate(DataType type, int count) {
    boolean allShm = size > 1 && java.util.Arrays.stream(pairs)
        .allMatch(p -> p == null || "shm".equals(p.kind()));
    // Pair kinds are the same seen from both ends, so every rank takes the same branch.
    return allShm ? sharedMemory.allocate(type, count) : Tensor.allocate(type, count);
  }

  @Override
  public synchronized ProcessGroup newSubGroup(List<Integer> ranks) {
    List<Integer> sorted = ranks.stream().sorted().distinct().toList();
    if (sorted.isEmpty() || sorted.size() != ranks.size() || sorted.get(0) < 0
        || sorted.get(sorted.size() - 1) >= size) {
      throw new IllegalArgumentException("sub-group ranks must be distinct ranks of [0, " + size
          + "), got " + ranks);
    }
    int id = nextSubGroup++;
    int myIndex = sorted.indexOf(rank);
    if (myIndex < 0) {
      return null;
    }
    Store sub = new PrefixStore(store, "sub" + id);
    return connect(config, sub, myIndex, sorted.size());
  }

  /**
   * A unit of work for the communication thread. Collectives get the group's next sequence number
   * when issued ({@link #issue}); point-to-point operations number their messages per peer.
   */
  private record Job(String what, boolean collective, IntConsumer body) {}

  private Job collective(Call call, Consumer<CollectiveContext> body) {
    return new Job(call.op().label, true, seq -> {
      OpContext op = OpContext.start(rank, call.op().label, seq, config.timeout());
      CollectiveContext c = new CollectiveContext(rank, size, pairs, exchange, op, PIECE_BYTES,
          scratch);
      if (config.checkCollectives() && size > 1) {
        checker.check(c, call);
      }
      body.accept(c);
    });
  }

  /**
   * Queues a job, or runs it at once on the calling thread when it is blocking and nothing is
   * queued: the hand-off to the communication thread and back costs tens of microseconds, as much
   * as a whole small all-reduce. The monitor keeps issue order and excludes the comm thread.
   */
  private synchronized Work issue(Job job, boolean blocking) {
    int seq = job.collective() ? nextSeq++ : -1;
    String what = job.collective() ? job.what() + " #" + seq : job.what();
    CommWork work = new CommWork("rank " + rank + ": " + what, config.timeout());
    RuntimeException latched = failure;
    if (latched != null || closed) {
      work.fail(latched != null ? latched
          : new CommException("rank " + rank + ": " + what + " issued on a closed group"));
      return work;
    }
    Runnable task = () -> execute(job, seq, work);
    if (blocking && queued == 0) {
      task.run();
      return work;
    }
    queued++;
    try {
      thread.execute(() -> {
        try {
          task.run();
        } finally {
          synchronized (this) {
            queued--;
          }
        }
      });
    } catch (RejectedExecutionException e) {
      queued--;
      work.fail(failure != null ? failure : new CommException("rank " + rank + ": " + what
          + " issued on a closed group"));
    }
    return work;
  }

  private void execute(Job job, int seq, CommWork work) {
    RuntimeException before = failure;
    if (before != null) {
      work.fail(before);
      return;
    }
    try {
      job.body().accept(seq);
      work.succeed();
    } catch (RuntimeException e) {
      work.fail(fail(e));
    }
  }

  /** Latches the first failure, tells the store, and closes all pairs; returns what to report. */
  private RuntimeException fail(RuntimeException e) {
    RuntimeException reported = FailureReports.withFirstReport(store, rank, e);
    if (failure == null) {
      failure = reported;
    }
    for (Pair p : pairs) {
      if (p != null) {
        p.close();
      }
    }
    return reported;
  }

  @Override
  public void abort(String reason) {
    fail(new CommException("rank " + rank + ": group aborted: " + reason));
    thread.shutdownNow();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    thread.shutdown();
    try {
      if (!thread.awaitTermination(config.timeout().toMillis() + 5000, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        LOG.log(System.Logger.Level.WARNING, "rank " + rank + ": collectives still running at close");
        thread.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      thread.shutdownNow();
    }
    for (Pair p : pairs) {
      if (p != null) {
        p.close();
      }
    }
    exchange.close();
    for (int i = owned.size() - 1; i >= 0; i--) {
      try {
        owned.get(i).close();
      } catch (Exception e) {
        LOG.log(System.Logger.Level.DEBUG, "close failed", e);
      }
    }
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
      throw new IllegalArgumentException(op + " needs " + size + " x " + block.count() + " "
          + block.type() + " elements in the larger buffer; got " + whole);
    }
  }

  /** Shown in logs: "rank 2/4". */
  @Override
  public String toString() {
    return "ProcessGroup[rank " + rank + "/" + size + "]";
  }
}
