package dev.cohort.comm;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * A fixed set of ranks that run collectives together, the Cohort counterpart of c10d's
 * ProcessGroup.
 *
 * <p><b>Contract.</b> Every rank of the group must issue the same collectives, with the same
 * element type and count (and root where there is one), in the same order. Collectives of one group
 * run one at a time in issue order on the group's communication thread; the {@code *Async} methods
 * return at once with a {@link Work}, the others wait for it. Each call is bounded by the
 * configured timeout, or by its own ({@link CollectiveOptions}). Buffers passed in must not be
 * touched until the Work completes. Results are bit-identical on every rank.
 *
 * <p><b>Failure.</b> The first failure of any collective (timeout, dead peer, mismatch) aborts the
 * group: pending and later collectives fail with an exception naming the operation, its sequence
 * number and the peer involved. A failed group cannot be repaired; form a new one (a new
 * generation) to go on.
 */
public interface ProcessGroup extends AutoCloseable {

  /** This process's rank in the group, 0 &lt;= rank &lt; size. */
  int rank();

  /** Number of ranks in the group. */
  int size();

  /**
   * Allocates a tensor of zeros placed for this group's fastest collectives. When every rank of the
   * group is on this host and shared memory is on, the memory is mapped by every rank (in a group
   * that spans hosts and all-reduces hierarchically, by every rank of this host), and all-reduce
   * and broadcast on it (or on a slice of it), reduce-scatter from it and all-gather into it run
   * with no copies through messages; otherwise it is an ordinary direct buffer. Collective: every
   * rank must call it, in the same order, with the same type and count. Use it for buffers that are
   * reduced again and again, such as gradient buckets.
   */
  Tensor allocate(DataType type, int count);

  /** Combines {@code t} element-wise across ranks; every rank ends with the result in {@code t}. */
  Work allReduceAsync(Tensor t, ReduceOp op, CollectiveOptions options);

  /** Copies {@code t} from {@code root} into {@code t} on every other rank. */
  Work broadcastAsync(Tensor t, int root, CollectiveOptions options);

  /**
   * Rank r's {@code in} lands at slot r of {@code out}, which holds size() * in.count() elements;
   * {@code in} may be slot r of {@code out} (in place).
   */
  Work allGatherAsync(Tensor in, Tensor out, CollectiveOptions options);

  /**
   * Reduces {@code in} (size() * out.count() elements) across ranks; rank r receives reduced slot r
   * in {@code out}. {@code in} may be overwritten; {@code out} may be slot r of {@code in} (in
   * place).
   */
  Work reduceScatterAsync(Tensor in, Tensor out, ReduceOp op, CollectiveOptions options);

  /**
   * Like allGather, but only {@code root} receives; {@code out} is ignored elsewhere (may be null).
   */
  Work gatherAsync(Tensor in, Tensor out, int root, CollectiveOptions options);

  /**
   * Root's slot r of {@code in} lands in {@code out} on rank r; {@code in} is ignored elsewhere.
   */
  Work scatterAsync(Tensor in, Tensor out, int root, CollectiveOptions options);

  /** Slot j of {@code in} on rank i lands in slot i of {@code out} on rank j. */
  Work allToAllAsync(Tensor in, Tensor out, CollectiveOptions options);

  /** Completes when every rank has reached the barrier. */
  Work barrierAsync(CollectiveOptions options);

  /**
   * Point-to-point send to {@code peer}; must match a {@link #recvAsync} there with the same tag.
   */
  Work sendAsync(Tensor t, int peer, int tag, CollectiveOptions options);

  /** Point-to-point receive from {@code peer} into {@code t}. */
  Work recvAsync(Tensor t, int peer, int tag, CollectiveOptions options);

  /**
   * What this group has done so far, from this rank's side: time spent waiting for peers, bytes
   * moved and the transport to each rank. Thread-safe; cheap enough to call every step.
   */
  GroupStats stats();

  /**
   * Forms a sub-group of the given ranks (of this group), e.g. for model parallelism. Collective:
   * every rank of this group must call it with the same list, members and non-members alike.
   *
   * @return the sub-group on members, null on non-members
   */
  ProcessGroup newSubGroup(List<Integer> ranks);

  /** Fails every pending and future collective with {@code reason} and closes all connections. */
  void abort(String reason);

  /** Waits for pending collectives, then releases connections and shared memory. */
  @Override
  void close();

  // Without options: the group's configuration (CollectiveOptions.DEFAULT).

  default Work allReduceAsync(Tensor t, ReduceOp op) {
    return allReduceAsync(t, op, CollectiveOptions.DEFAULT);
  }

  default Work broadcastAsync(Tensor t, int root) {
    return broadcastAsync(t, root, CollectiveOptions.DEFAULT);
  }

  default Work allGatherAsync(Tensor in, Tensor out) {
    return allGatherAsync(in, out, CollectiveOptions.DEFAULT);
  }

  default Work reduceScatterAsync(Tensor in, Tensor out, ReduceOp op) {
    return reduceScatterAsync(in, out, op, CollectiveOptions.DEFAULT);
  }

  default Work gatherAsync(Tensor in, Tensor out, int root) {
    return gatherAsync(in, out, root, CollectiveOptions.DEFAULT);
  }

  default Work scatterAsync(Tensor in, Tensor out, int root) {
    return scatterAsync(in, out, root, CollectiveOptions.DEFAULT);
  }

  default Work allToAllAsync(Tensor in, Tensor out) {
    return allToAllAsync(in, out, CollectiveOptions.DEFAULT);
  }

  default Work barrierAsync() {
    return barrierAsync(CollectiveOptions.DEFAULT);
  }

  default Work sendAsync(Tensor t, int peer, int tag) {
    return sendAsync(t, peer, tag, CollectiveOptions.DEFAULT);
  }

  default Work recvAsync(Tensor t, int peer, int tag) {
    return recvAsync(t, peer, tag, CollectiveOptions.DEFAULT);
  }

  // Blocking: issue, then wait with the call's timeout.

  default void allReduce(Tensor t, ReduceOp op, CollectiveOptions options) {
    allReduceAsync(t, op, options).await();
  }

  default void broadcast(Tensor t, int root, CollectiveOptions options) {
    broadcastAsync(t, root, options).await();
  }

  default void allGather(Tensor in, Tensor out, CollectiveOptions options) {
    allGatherAsync(in, out, options).await();
  }

  default void reduceScatter(Tensor in, Tensor out, ReduceOp op, CollectiveOptions options) {
    reduceScatterAsync(in, out, op, options).await();
  }

  default void gather(Tensor in, Tensor out, int root, CollectiveOptions options) {
    gatherAsync(in, out, root, options).await();
  }

  default void scatter(Tensor in, Tensor out, int root, CollectiveOptions options) {
    scatterAsync(in, out, root, options).await();
  }

  default void allToAll(Tensor in, Tensor out, CollectiveOptions options) {
    allToAllAsync(in, out, options).await();
  }

  default void barrier(CollectiveOptions options) {
    barrierAsync(options).await();
  }

  default void send(Tensor t, int peer, int tag, CollectiveOptions options) {
    sendAsync(t, peer, tag, options).await();
  }

  default void recv(Tensor t, int peer, int tag, CollectiveOptions options) {
    recvAsync(t, peer, tag, options).await();
  }

  default void allReduce(Tensor t, ReduceOp op) {
    allReduce(t, op, CollectiveOptions.DEFAULT);
  }

  default void broadcast(Tensor t, int root) {
    broadcast(t, root, CollectiveOptions.DEFAULT);
  }

  default void allGather(Tensor in, Tensor out) {
    allGather(in, out, CollectiveOptions.DEFAULT);
  }

  default void reduceScatter(Tensor in, Tensor out, ReduceOp op) {
    reduceScatter(in, out, op, CollectiveOptions.DEFAULT);
  }

  default void gather(Tensor in, Tensor out, int root) {
    gather(in, out, root, CollectiveOptions.DEFAULT);
  }

  default void scatter(Tensor in, Tensor out, int root) {
    scatter(in, out, root, CollectiveOptions.DEFAULT);
  }

  default void allToAll(Tensor in, Tensor out) {
    allToAll(in, out, CollectiveOptions.DEFAULT);
  }

  default void barrier() {
    barrier(CollectiveOptions.DEFAULT);
  }

  default void send(Tensor t, int peer, int tag) {
    send(t, peer, tag, CollectiveOptions.DEFAULT);
  }

  default void recv(Tensor t, int peer, int tag) {
    recv(t, peer, tag, CollectiveOptions.DEFAULT);
  }

  /** Every rank's {@code mine}, rank after rank; all ranks must pass arrays of the same length. */
  default long[] allGather(long[] mine) {
    Tensor in = heap(DataType.INT64, mine.length);
    in.bytes().asLongBuffer().put(mine);
    Tensor all = heap(DataType.INT64, mine.length * size());
    allGather(in, all);
    long[] out = new long[mine.length * size()];
    all.bytes().asLongBuffer().get(out);
    return out;
  }

  /** All-reduce of a Java array, staged through a heap buffer. */
  default void allReduce(float[] data, ReduceOp op) {
    Tensor t = heap(DataType.FLOAT32, data.length);
    t.bytes().asFloatBuffer().put(data);
    allReduce(t, op);
    t.bytes().asFloatBuffer().get(data);
  }

  /** All-reduce of a Java array, staged through a heap buffer. */
  default void allReduce(double[] data, ReduceOp op) {
    Tensor t = heap(DataType.FLOAT64, data.length);
    t.bytes().asDoubleBuffer().put(data);
    allReduce(t, op);
    t.bytes().asDoubleBuffer().get(data);
  }

  /** All-reduce of a Java array, staged through a heap buffer. */
  default void allReduce(int[] data, ReduceOp op) {
    Tensor t = heap(DataType.INT32, data.length);
    t.bytes().asIntBuffer().put(data);
    allReduce(t, op);
    t.bytes().asIntBuffer().get(data);
  }

  /** All-reduce of a Java array, staged through a heap buffer. */
  default void allReduce(long[] data, ReduceOp op) {
    Tensor t = heap(DataType.INT64, data.length);
    t.bytes().asLongBuffer().put(data);
    allReduce(t, op);
    t.bytes().asLongBuffer().get(data);
  }

  /** Broadcast of a Java array from {@code root}, staged through a heap buffer. */
  default void broadcast(long[] data, int root) {
    Tensor t = heap(DataType.INT64, data.length);
    t.bytes().asLongBuffer().put(data);
    broadcast(t, root);
    t.bytes().asLongBuffer().get(data);
  }

  /**
   * A heap-backed tensor: array conveniences must not churn direct memory, which only a GC frees.
   */
  private static Tensor heap(DataType type, int count) {
    return Tensor.of(ByteBuffer.allocate(Math.multiplyExact(count, type.bytes())), type, count);
  }
}
