package dev.cohort.train.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.train.data.TensorViews;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A tensor-parallel region between the conjugate operators f and g: a replicated input, this rank's
 * shards computing a partial output, the partial outputs summed over the group, then a replicated
 * bias. f is the identity forward and all-reduces the input's gradient backward; g all-reduces
 * forward and passes the gradient through backward. DJL has no custom autograd function, so both
 * are graph breaks: the input is a fresh leaf of the region's graph, and the backward runs from the
 * upstream gradient. One all-reduce each way, of the output's size.
 */
public abstract class TensorParallelRegion implements TensorParallelModule {
  private final ProcessGroup group;
  private final NDArray bias; // replicated, added after the reduction
  private NDArray input; // the region's leaf (f)
  private NDArray partial; // this rank's share of the output, before the all-reduce (g)
  private NDArray output; // the reduced share plus the bias: the bias's graph
  private int allReduces;
  private long allReduceBytes;
  private long communicationNanos;

  /**
   * @param group the tensor group; null for the whole region on this rank, without communication
   * @param bias the output's bias, whole on every rank (copied into {@code manager})
   */
  protected TensorParallelRegion(ProcessGroup group, NDManager manager, NDArray bias) {
    this.group = group;
    this.bias = shard(manager, bias, ":");
  }

  protected ProcessGroup group() {
    return group;
  }

  /** This rank's partial output from the region's input leaf, in the region's graph. */
  protected abstract NDArray partial(NDArray input);

  /** This rank's sharded weights, then the bias. */
  @Override
  public abstract List<NDArray> parameters();

  protected NDArray bias() {
    return bias;
  }

  /**
   * The forward of {@code x} (replicated): the same output on every rank of the group. Collective
   * over the group. Call with gradients on ({@code JniUtils.setGradMode}).
   */
  @Override
  public NDArray forward(NDArray x) {
    input = x.stopGradient(); // f: the region's own leaf
    input.setRequiresGradient(true);
    partial = partial(input);
    NDArray reduced = partial.stopGradient().duplicate(); // g, outside the graph
    allReduce(reduced);
    output = reduced.add(bias);
    return output;
  }

  /**
   * The backward from {@code dy}, the gradient of the output (replicated): accumulates this rank's
   * parameters' gradients and returns the input's gradient, the same on every rank. Collective.
   */
  @Override
  public NDArray backward(NDArray dy) {
    JniUtils.backward((PtNDArray) output, (PtNDArray) dy, false, false); // the bias's gradient
    JniUtils.backward((PtNDArray) partial, (PtNDArray) dy, false, false); // g's backward: dy
    NDArray dx = input.getGradient();
    allReduce(dx); // f's backward
    return dx;
  }

  /** Bytes all-reduced so far: the output's size each way. */
  public long allReduceBytes() {
    return allReduceBytes;
  }

  @Override
  public long communicationNanos() {
    return communicationNanos;
  }

  /** All-reduces issued so far (one per forward, one per backward). */
  @Override
  public int allReduces() {
    return allReduces;
  }

  private void allReduce(NDArray a) {
    if (group == null) {
      return; // the whole region on this rank
    }
    ByteBuffer view = TensorViews.view(a, "a tensor-parallel region's output or input gradient");
    long t0 = System.nanoTime();
    group.allReduce(Tensor.of(view, DataType.FLOAT32, view.capacity() / Float.BYTES), ReduceOp.SUM);
    communicationNanos += System.nanoTime() - t0;
    allReduces++;
    allReduceBytes += view.capacity();
  }

  /**
   * Rank r's share {@code [r n/t, (r+1) n/t)} of {@code n}, checked to split evenly; all of it for
   * a null group.
   */
  protected static long[] share(ProcessGroup group, long n, String what) {
    if (group == null) {
      return new long[] {0, n};
    }
    int t = group.size();
    if (n % t != 0) {
      throw new IllegalArgumentException(
          what
              + " ("
              + n
              + ") cannot be split evenly over "
              + t
              + " tensor-parallel ranks: use a tensor group size that divides "
              + n);
    }
    long from = n / t * group.rank();
    return new long[] {from, from + n / t};
  }

  /** {@code full[index]} as a contiguous copy in {@code manager} that takes gradients. */
  static NDArray shard(NDManager manager, NDArray full, String index) {
    return shard(manager, full.get(new NDIndex(index)));
  }

  /**
   * {@code slice} as a contiguous copy in {@code manager} that takes gradients: a leaf of its own,
   * sharing nothing with the master weight it was cut from. Closes {@code slice}.
   */
  public static NDArray shard(NDManager manager, NDArray slice) {
    NDArray copy = manager.create(slice.getShape(), slice.getDataType());
    slice.copyTo(copy);
    slice.close();
    copy.setRequiresGradient(true);
    return copy;
  }
}
