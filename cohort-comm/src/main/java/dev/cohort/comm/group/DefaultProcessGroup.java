package dev.cohort.comm.group;

import dev.cohort.comm.CollectiveOptions;
import dev.cohort.comm.CommConfig;
import dev.cohort.comm.DataType;
import dev.cohort.comm.GroupStats;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Store;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.Work;
import dev.cohort.comm.store.PrefixStore;
import dev.cohort.comm.transport.Exchange;
import dev.cohort.comm.transport.Mesh;
import dev.cohort.comm.transport.Pair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The process group: a full mesh of pairs, a {@link CollectiveDispatch} that turns each call into a
 * job bound to its algorithm, and a {@link CommThread} that runs the jobs in issue order and
 * latches the first failure. See {@link ProcessGroup} for the contract.
 */
public final class DefaultProcessGroup implements ProcessGroup {
  private static final System.Logger LOG = System.getLogger(DefaultProcessGroup.class.getName());

  private final CommConfig config;
  private final Store store;
  private final int rank;
  private final int size;
  private final Pair[] pairs;
  private final List<GroupStats.Transport> transports;
  private final Exchange exchange;
  private final CollectiveDispatch dispatch;
  private final CommThread comm;
  private final SharedAllocator sharedMemory;
  private final List<AutoCloseable> owned = new ArrayList<>();
  private int nextSubGroup;
  private HostHierarchy hierarchy; // null: all-reduce flat; set once, while connecting

  /** Ranks of this group's world on this machine, this one included: the cores' contenders. */
  private final long machineRanks;

  /**
   * @param parentMachineRanks ranks of the parent group on this machine (0 for a world): a
   *     sub-group's ranks share the cores with all of them, not only with each other
   */
  private DefaultProcessGroup(
      CommConfig config, Store store, int rank, int size, Pair[] pairs, long parentMachineRanks) {
    this.config = config;
    this.store = store;
    this.rank = rank;
    this.size = size;
    this.pairs = pairs;
    this.transports = transports(pairs, rank);
    // Ranks sharing this machine's cores, whatever the transport: TCP between processes of one host
    // (or of its network namespaces) competes for the same cores as shared memory does.
    long localRanks = 1 + Arrays.stream(pairs).filter(p -> p != null && p.sameMachine()).count();
    this.machineRanks = Math.max(localRanks, parentMachineRanks);
    this.exchange =
        new Exchange(
            machineRanks <= Runtime.getRuntime().availableProcessors()
                ? Exchange.SPIN_NANOS_DEDICATED
                : Exchange.SPIN_NANOS_OVERSUBSCRIBED);
    this.dispatch = new CollectiveDispatch(this, config, rank, size, pairs, exchange);
    this.comm = new CommThread(rank, store, pairs);
    this.sharedMemory = new SharedAllocator(this, store, config);
  }

  /**
   * Connects {@code rank} to the other ranks of a world already formed in {@code store} (see {@link
   * Rendezvous}).
   */
  public static DefaultProcessGroup connect(CommConfig config, Store store, int rank, int size) {
    return connect(config, store, rank, size, null, 0);
  }

  /**
   * As {@link #connect(CommConfig, Store, int, int)}, with each rank's host given ({@code hostOf},
   * by rank; null: as the ranks published them while connecting): tests stand in hosts this way.
   */
  static DefaultProcessGroup connect(
      CommConfig config, Store store, int rank, int size, List<String> hostOf) {
    return connect(config, store, rank, size, hostOf, 0);
  }

  private static DefaultProcessGroup connect(
      CommConfig config,
      Store store,
      int rank,
      int size,
      List<String> hostOf,
      long parentMachineRanks) {
    Pair[] pairs = Mesh.connect(config, store, rank, size);
    DefaultProcessGroup pg =
        new DefaultProcessGroup(config, store, rank, size, pairs, parentMachineRanks);
    if (config.hierarchical() && size > 2) {
      try {
        pg.hierarchy =
            HostHierarchy.form(pg, hostOf != null ? hostOf : Mesh.hosts(config, store, rank, size));
      } catch (RuntimeException e) {
        pg.close();
        throw e;
      }
    }
    return pg;
  }

  private static List<GroupStats.Transport> transports(Pair[] pairs, int rank) {
    List<GroupStats.Transport> out = new ArrayList<>();
    for (int r = 0; r < pairs.length; r++) {
      out.add(
          r == rank
              ? GroupStats.Transport.SELF
              : switch (pairs[r].kind()) {
                case "shm" -> GroupStats.Transport.SHM;
                case "tcp+aes" -> GroupStats.Transport.TCP_ENCRYPTED;
                default -> GroupStats.Transport.TCP;
              });
    }
    return List.copyOf(out);
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

  @Override
  public GroupStats stats() {
    GroupStats levels = hierarchy == null ? null : hierarchy.stats();
    return levels == null
        ? new GroupStats(
            exchange.waitNanos(), exchange.bytesSent(), exchange.bytesReceived(), transports)
        : new GroupStats(
            exchange.waitNanos() + levels.waitNanos(),
            exchange.bytesSent() + levels.bytesSent(),
            exchange.bytesReceived() + levels.bytesReceived(),
            transports);
  }

  /** Hosts the hierarchical all-reduce spans, or 0 when it all-reduces flat. */
  int hierarchyHosts() {
    return hierarchy == null ? 0 : hierarchy.hosts();
  }

  @Override
  public Work allReduceAsync(Tensor t, ReduceOp op, CollectiveOptions o) {
    return comm.issue(allReduceJob(t, op, o), false);
  }

  @Override
  public void allReduce(Tensor t, ReduceOp op, CollectiveOptions o) {
    comm.issue(allReduceJob(t, op, o), true).await();
  }

  private Job allReduceJob(Tensor t, ReduceOp op, CollectiveOptions o) {
    return hierarchy != null
        ? hierarchy.allReduce(t, op, o, o.timeoutOr(config.timeout()))
        : dispatch.allReduce(t, op, o);
  }

  @Override
  public Work broadcastAsync(Tensor t, int root, CollectiveOptions o) {
    return comm.issue(dispatch.broadcast(t, root, o), false);
  }

  @Override
  public void broadcast(Tensor t, int root, CollectiveOptions o) {
    comm.issue(dispatch.broadcast(t, root, o), true).await();
  }

  @Override
  public Work allGatherAsync(Tensor in, Tensor out, CollectiveOptions o) {
    return comm.issue(dispatch.allGather(in, out, o), false);
  }

  @Override
  public Work reduceScatterAsync(Tensor in, Tensor out, ReduceOp op, CollectiveOptions o) {
    return comm.issue(dispatch.reduceScatter(in, out, op, o), false);
  }

  @Override
  public Work gatherAsync(Tensor in, Tensor out, int root, CollectiveOptions o) {
    return comm.issue(dispatch.gather(in, out, root, o), false);
  }

  @Override
  public Work scatterAsync(Tensor in, Tensor out, int root, CollectiveOptions o) {
    return comm.issue(dispatch.scatter(in, out, root, o), false);
  }

  @Override
  public Work allToAllAsync(Tensor in, Tensor out, CollectiveOptions o) {
    return comm.issue(dispatch.allToAll(in, out, o), false);
  }

  @Override
  public Work barrierAsync(CollectiveOptions o) {
    return comm.issue(dispatch.barrier(o), false);
  }

  @Override
  public void barrier(CollectiveOptions o) {
    comm.issue(dispatch.barrier(o), true).await();
  }

  @Override
  public Work sendAsync(Tensor t, int peer, int tag, CollectiveOptions o) {
    return comm.issue(dispatch.send(t, peer, tag, o), false);
  }

  @Override
  public Work recvAsync(Tensor t, int peer, int tag, CollectiveOptions o) {
    return comm.issue(dispatch.recv(t, peer, tag, o), false);
  }

  @Override
  public Tensor allocate(DataType type, int count) {
    if (hierarchy != null) {
      // In the host's shared memory, for the all-reduce's first step. On the communication thread,
      // after any all-reduce still in flight: the host group's collectives (the allocation's
      // among them) then keep one order on every rank.
      Tensor[] out = new Tensor[1];
      comm.issue(
              new Job(
                  "allocate",
                  false,
                  config.timeout(),
                  seq -> out[0] = hierarchy.allocate(type, count)),
              true)
          .await();
      return out[0];
    }
    boolean allShm =
        size > 1 && Arrays.stream(pairs).allMatch(p -> p == null || "shm".equals(p.kind()));
    // Pair kinds are the same seen from both ends, so every rank takes the same branch.
    return allShm ? sharedMemory.allocate(type, count) : Tensor.allocate(type, count);
  }

  @Override
  public synchronized ProcessGroup newSubGroup(List<Integer> ranks) {
    List<Integer> sorted = ranks.stream().sorted().distinct().toList();
    if (sorted.isEmpty()
        || sorted.size() != ranks.size()
        || sorted.get(0) < 0
        || sorted.get(sorted.size() - 1) >= size) {
      throw new IllegalArgumentException(
          "sub-group ranks must be distinct ranks of [0, " + size + "), got " + ranks);
    }
    int id = nextSubGroup++;
    int myIndex = sorted.indexOf(rank);
    if (myIndex < 0) {
      return null;
    }
    Store sub = new PrefixStore(store, "sub" + id);
    return connect(config, sub, myIndex, sorted.size(), null, machineRanks);
  }

  @Override
  public void abort(String reason) {
    comm.abort(reason);
    if (hierarchy != null) {
      hierarchy.abort(reason);
    }
  }

  @Override
  public void close() {
    if (!comm.close(config.timeout())) {
      return;
    }
    if (hierarchy != null) {
      hierarchy.close();
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

  /** Shown in logs: "rank 2/4". */
  @Override
  public String toString() {
    return "ProcessGroup[rank " + rank + "/" + size + "]";
  }
}
