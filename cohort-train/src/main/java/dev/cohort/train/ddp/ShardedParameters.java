package dev.cohort.train.ddp;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.Work;
import dev.cohort.train.data.TensorViews;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters that DJL's blocks see during a ZeRO-2 or ZeRO-3 step: a {@link ParameterStore}
 * that hands out, for the segment being run, arrays of its own that take gradients (leaves), so
 * that libtorch keeps a parameter's gradient only until the segment's gradients are
 * reduce-scattered and the leaves closed, never for the whole model at once.
 *
 * <ul>
 *   <li>ZeRO-2 ({@code sharded} false): every rank holds the whole parameters; a leaf is a detached
 *       alias of the parameter's own memory.
 *   <li>ZeRO-3 ({@code sharded} true): each rank holds its shard of every segment ({@link
 *       #storage}, the master weights its optimizer updates); lending a segment all-gathers it into
 *       one flat libtorch array, whose slices are the leaves, and giving it back frees it. The
 *       model's own parameters hold empty arrays ({@link ParameterSlots}) but around {@link
 *       #materialize}.
 * </ul>
 *
 * Buffers (BatchNorm's running statistics) are the model's own, as the plain store hands them out.
 */
final class ShardedParameters extends ParameterStore {
  private final ProcessGroup pg;
  private final ShardLayout layout;
  private final List<Parameter> params;
  private final List<Shape> shapes;
  private final Map<String, Integer> index = new HashMap<>();
  private final Tensor storage; // ZeRO-3: this rank's shards; null with ZeRO-2
  private final Tensor buffer; // one segment, padded: gathers (ZeRO-3) and reduce-scatters
  private Work aheadWork; // ZeRO-3: a prefetch into `buffer` in flight, or null
  private int aheadSegment = -1; // the segment `buffer` holds or will hold for lend; -1: none
  private final NDArray[] lent;
  private final NDArray[] gathered; // per segment, the flat array the leaves slice (ZeRO-3)
  private long gatheredBytes;
  private long gatherNanos;

  /**
   * @param params the trainable parameters, in model order, initialized and identical on every rank
   * @param sharded ZeRO-3: keep only this rank's shard of them, emptying the model's arrays
   */
  ShardedParameters(
      ProcessGroup pg,
      NDManager manager,
      ShardLayout layout,
      List<Parameter> params,
      boolean sharded) {
    super(manager, false);
    this.pg = pg;
    this.layout = layout;
    this.params = List.copyOf(params);
    this.shapes = params.stream().map(p -> p.getArray().getShape()).toList();
    for (int i = 0; i < params.size(); i++) {
      index.put(params.get(i).getId(), i);
    }
    this.lent = new NDArray[params.size()];
    this.gathered = new NDArray[layout.segments()];
    // Shared memory on one host: the collectives over it are zero-copy.
    this.buffer = pg.allocate(DataType.FLOAT32, Math.max(1, layout.largestPadded()));
    if (sharded) {
      storage = Tensor.allocate(DataType.FLOAT32, layout.shardElements());
      ByteBuffer mine = storage.bytes();
      for (ShardLayout.Piece p : layout.pieces(pg.rank())) {
        ByteBuffer whole = ParameterViews.value(params.get(p.index()));
        mine.slice(p.at() * Float.BYTES, p.length() * Float.BYTES)
            .put(whole.slice(p.from() * Float.BYTES, p.length() * Float.BYTES));
      }
      params.forEach(ParameterSlots::empty);
    } else {
      storage = null;
    }
  }

  @Override
  public NDArray getValue(Parameter parameter, Device device, boolean training) {
    Integer i = parameter == null ? null : index.get(parameter.getId());
    if (i == null) {
      return super.getValue(parameter, device, training); // a buffer, or an optional parameter
    }
    if (lent[i] == null) {
      throw new IllegalStateException(
          "parameter "
              + parameter.getName()
              + " was used outside its segment: with --zero 2 or 3 a segment's blocks may use only"
              + " their own parameters");
    }
    return lent[i];
  }

  /**
   * Lends segment {@code s}'s parameters to its blocks, as leaves in {@code manager} that take
   * gradients when {@code grad}. ZeRO-3: all-gathers the segment (collective).
   */
  void lend(int s, NDManager manager, boolean grad) {
    int first = layout.firstParameter(s);
    int end = layout.firstParameter(s + 1);
    if (storage != null && end > first) {
      long g0 = System.nanoTime();
      Tensor all = buffer.slice(0, layout.padded(s));
      if (aheadSegment == s) {
        awaitAhead(); // prefetched while the segment before it ran
      } else {
        dropPrefetch();
        pg.allGather(storage.slice(layout.storageOffset(s), layout.shard(s)), all);
      }
      aheadSegment = -1;
      NDArray flat = manager.zeros(new Shape(layout.padded(s)));
      TensorViews.view(flat, "segment " + s).put(all.bytes());
      gathered[s] = flat;
      gatheredBytes = Math.max(gatheredBytes, flat.size() * Float.BYTES);
      gatherNanos += System.nanoTime() - g0;
    }
    for (int i = first; i < end; i++) {
      NDArray leaf;
      if (storage == null) {
        leaf = params.get(i).getArray().stopGradient();
        leaf.attach(manager);
      } else {
        long from = layout.offsetInSegment(i);
        NDArray slice = gathered[s].get(new NDIndex("{}:{}", from, from + layout.elements(i)));
        leaf = slice.reshape(shapes.get(i));
        if (leaf != slice) {
          slice.close(); // a view too: only the leaf and the flat array may keep the memory
        }
      }
      if (grad) {
        leaf.setRequiresGradient(true);
      }
      lent[i] = leaf;
    }
  }

  /**
   * ZeRO-3: starts all-gathering segment {@code s} into the segment buffer, so that the gather runs
   * while the work before {@link #lend}{@code (s)} does and lend finds it there (FSDP's prefetch).
   * The buffer must stay free until then: call it once the segment lent before has been copied out
   * and, in the backward pass, once its gradients are reduce-scattered. One at a time; a no-op with
   * ZeRO-2, for an empty segment or one out of range. Collective: every rank prefetches the same
   * segments in the same order.
   */
  void prefetch(int s) {
    if (storage == null
        || s < 0
        || s >= layout.segments()
        || s == aheadSegment
        || layout.firstParameter(s) == layout.firstParameter(s + 1)) {
      return;
    }
    awaitAhead();
    aheadWork =
        pg.allGatherAsync(
            storage.slice(layout.storageOffset(s), layout.shard(s)),
            buffer.slice(0, layout.padded(s)));
    aheadSegment = s;
  }

  /**
   * Forgets a prefetched segment that was not lent (the weights change at the update that follows a
   * step). Waits for its gather first.
   */
  void dropPrefetch() {
    awaitAhead();
    aheadSegment = -1;
  }

  private void awaitAhead() {
    if (aheadWork != null) {
      Work w = aheadWork;
      aheadWork = null;
      w.await();
    }
  }

  /** Bytes that lending segment {@code s} all-gathers: its padded flat vector (ZeRO-3), or 0. */
  long lentBytes(int s) {
    boolean any = layout.firstParameter(s) < layout.firstParameter(s + 1);
    return storage != null && any ? (long) layout.padded(s) * Float.BYTES : 0;
  }

  /** Segment {@code s}'s leaves, in model order. */
  List<NDArray> leaves(int s) {
    List<NDArray> out = new ArrayList<>();
    for (int i = layout.firstParameter(s); i < layout.firstParameter(s + 1); i++) {
      out.add(lent[i]);
    }
    return out;
  }

  /** Frees segment {@code s}'s leaves (and their gradients) and, with ZeRO-3, its gathered copy. */
  void giveBack(int s) {
    for (int i = layout.firstParameter(s); i < layout.firstParameter(s + 1); i++) {
      if (lent[i] != null) {
        lent[i].close();
        lent[i] = null;
      }
    }
    if (gathered[s] != null) {
      gathered[s].close();
      gathered[s] = null;
    }
  }

  /** Nanoseconds spent all-gathering segments since the last call. */
  long takeGatherNanos() {
    long n = gatherNanos;
    gatherNanos = 0;
    return n;
  }

  /**
   * The buffer of one segment's flat vector (the largest, padded), from {@link
   * ProcessGroup#allocate}: ZeRO-3's gathers land in it, and {@link ShardedGradients} packs and
   * reduce-scatters each segment's gradients (and ZeRO-2 gathers its parameters) through it. The
   * collectives of a step never overlap, so one buffer serves them all.
   */
  Tensor buffer() {
    return buffer;
  }

  /** ZeRO-3: this rank's shards of the parameters; null with ZeRO-2. */
  Tensor storage() {
    return storage;
  }

  /** The largest gathered segment so far, in bytes (ZeRO-3). */
  long gatheredBytes() {
    return gatheredBytes;
  }

  /**
   * ZeRO-3: fills the model's parameters with their whole values, gathered segment by segment, so
   * that the model evaluates and saves as any DJL model does; {@link #empty} undoes it. Collective.
   */
  void materialize(NDManager manager) {
    for (int s = 0; s < layout.segments(); s++) {
      if (layout.firstParameter(s) == layout.firstParameter(s + 1)) {
        continue;
      }
      try (NDManager m = manager.newSubManager()) {
        lend(s, m, false);
        for (int i = layout.firstParameter(s); i < layout.firstParameter(s + 1); i++) {
          ParameterSlots.fill(params.get(i), lent[i]);
        }
        giveBack(s);
      }
    }
    gatherNanos = 0; // an evaluation's gathers, not the next step's communication
  }

  /** ZeRO-3: frees the model's parameters again after {@link #materialize}. */
  void empty() {
    params.forEach(ParameterSlots::empty);
  }

  /** Segment {@code s}'s pieces of this rank's weights: slices of the storage (ZeRO-3). */
  ByteBuffer storageSlice(ShardLayout.Piece p) {
    return storage
        .bytes()
        .slice(p.at() * Float.BYTES, p.length() * Float.BYTES)
        .order(ByteOrder.nativeOrder());
  }
}
