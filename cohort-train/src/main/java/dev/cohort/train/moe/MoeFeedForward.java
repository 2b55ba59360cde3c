package dev.cohort.train.moe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.Tensor;
import dev.cohort.train.data.TensorViews;
import dev.cohort.train.nn.StepViews;
import dev.cohort.train.tensor.TensorParallelModule;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A transformer's feed-forward layer as a mixture of experts, expert parallel over an expert group
 * of g workers: each worker holds E/g experts and routes its own tokens; the router sends each
 * token to its top-k experts (dispatch and combine as row gathers, linear in the tokens), an
 * all-to-all takes every worker's tokens to their experts' worker, the experts run, a second
 * all-to-all brings the outputs back, and the gates weigh them. The backward runs the two
 * all-to-alls in reverse, so four per layer per step, each of {@code E C width} values per worker.
 * DJL has no custom autograd function: each all-to-all is a graph break driven like a pipeline
 * stage's. The load-balancing loss {@code α E Σ fᵢ Pᵢ} of the worker's tokens is added to the
 * training loss through the router's gradient in {@link #backward}.
 */
public final class MoeFeedForward implements TensorParallelModule {
  private final ProcessGroup group; // null: every expert on this worker
  private final MoeSettings settings;
  private final NDArray router; // (E, width), replicated
  private final Experts experts;
  private final int local; // experts on this worker
  private final MoeLoad load;
  private int allToAlls;
  private long allToAllBytes;
  private long communicationNanos;
  // One forward's graph pieces, for its backward.
  private NDArray input; // the layer's leaf
  private NDArray dispatched; // (E C, width): this worker's tokens in their experts' slots
  private NDArray expertInput; // leaf: (g, El, C, width), every worker's tokens for these experts
  private NDArray expertOutput; // (g El C, width), their outputs, to go back
  private NDArray combinedInput; // leaf: (E C, width), the outputs for this worker's tokens
  private NDArray output;
  private NDArray auxLoss;

  /**
   * Cuts this worker's experts from {@code full}, in {@code manager}.
   *
   * @param group the expert group, null for every expert here
   * @throws IllegalArgumentException if the experts do not split evenly over the group
   */
  public MoeFeedForward(
      ProcessGroup group, NDManager manager, MoeSettings settings, ExpertWeights full) {
    int g = group == null ? 1 : group.size();
    int e = settings.experts();
    if (full.experts() != e) {
      throw new IllegalArgumentException(full.experts() + " experts' weights for " + settings);
    }
    if (e % g != 0) {
      throw new IllegalArgumentException(
          e
              + " experts cannot be spread evenly over an expert group of "
              + g
              + " workers: use a group size that divides --experts");
    }
    this.group = group;
    this.settings = settings;
    this.local = e / g;
    this.router = manager.create(full.router().getShape());
    full.router().copyTo(router);
    router.setRequiresGradient(true);
    this.experts = new Experts(manager, full, (group == null ? 0 : group.rank()) * local, local);
    this.load = new MoeLoad(e);
  }

  /** The output for {@code x}, (batch, context, width). Collective over the expert group. */
  @Override
  public NDArray forward(NDArray x) {
    Shape shape = x.getShape();
    long width = shape.get(shape.dimension() - 1);
    int n = Math.toIntExact(shape.size() / width);
    int e = settings.experts();
    input = x.stopGradient();
    input.setRequiresGradient(true);
    NDArray flat = input.reshape(n, width);
    NDArray probabilities = flat.matMul(StepViews.transposed(router, flat)).softmax(1);
    Routing routing = Routing.route(probabilities.toFloatArray(), n, settings);
    int c = routing.capacity();
    int k = settings.topK();
    NDManager m = input.getManager();
    // Each token's k gates: its probabilities for its chosen experts (kept or dropped), summing to
    // 1 for top-2.
    NDArray gates = probabilities.gather(m.create(routing.chosenExperts(), new Shape(n, k)), 1);
    if (k > 1) {
      gates = gates.div(gates.sum(new int[] {1}, true));
    }
    // Dispatch: each slot takes its token's row (a row of zeros when empty).
    NDArray padded = flat.concat(m.zeros(new Shape(1, width)), 0);
    dispatched = padded.get(m.create(routing.sources()));
    float[] weight = routing.firstChoiceFractions();
    for (int i = 0; i < e; i++) {
      weight[i] *= (float) (settings.auxLossWeight() * e);
    }
    auxLoss = probabilities.mean(new int[] {0}).mul(m.create(weight)).sum();
    int g = e / local;
    expertInput = exchange(dispatched, new Shape(g, local, c, width));
    expertInput.setRequiresGradient(true);
    NDArray rows = expertInput.transpose(1, 0, 2, 3).reshape(local, (long) g * c, width);
    expertOutput =
        experts
            .forward(rows)
            .reshape(local, g, c, width)
            .transpose(1, 0, 2, 3)
            .reshape((long) g * local * c, width);
    combinedInput = exchange(expertOutput, new Shape((long) e * c, width));
    combinedInput.setRequiresGradient(true);
    // Combine: each token's k picked expert outputs (zeros when dropped), weighed by its gates.
    NDArray outputs = combinedInput.concat(m.zeros(new Shape(1, width)), 0);
    NDArray picked = outputs.get(m.create(routing.picks())).reshape(n, k, width);
    output = picked.mul(gates.expandDims(2)).sum(new int[] {1}).reshape(shape);
    load.add(routing, auxLoss.getFloat());
    return output;
  }

  /**
   * From the output's gradient {@code dy}: the router's and this worker's experts' gradients (the
   * load-balancing loss's included) and the input's. Collective over the expert group.
   */
  @Override
  public NDArray backward(NDArray dy) {
    JniUtils.backward((PtNDArray) auxLoss, (PtNDArray) auxLoss.onesLike(), true, false);
    JniUtils.backward((PtNDArray) output, (PtNDArray) dy, true, false);
    NDArray toExperts = exchange(combinedInput.getGradient(), expertOutput.getShape());
    JniUtils.backward((PtNDArray) expertOutput, (PtNDArray) toExperts, false, false);
    NDArray back = exchange(expertInput.getGradient(), dispatched.getShape());
    JniUtils.backward((PtNDArray) dispatched, (PtNDArray) back, false, false);
    return input.getGradient();
  }

  /**
   * Slot j of {@code a}'s rows to worker j, slot i of the result from worker i, as a new array of
   * {@code shape} (a copy for one worker).
   */
  private NDArray exchange(NDArray a, Shape shape) {
    NDArray send = a.stopGradient().reshape(shape.size()); // contiguous: a is a fresh product
    NDArray received = a.getManager().zeros(shape);
    ByteBuffer in = TensorViews.view(send, "a mixture of experts' tokens to send");
    if (group == null || group.size() == 1) {
      TensorViews.view(received, "the tokens received").put(in);
    } else {
      ByteBuffer out = TensorViews.view(received, "a mixture of experts' tokens received");
      int count = in.capacity() / Float.BYTES;
      long t0 = System.nanoTime();
      group.allToAll(
          Tensor.of(in, DataType.FLOAT32, count), Tensor.of(out, DataType.FLOAT32, count));
      communicationNanos += System.nanoTime() - t0;
      allToAllBytes += in.capacity();
    }
    allToAlls++;
    return received;
  }

  /** The router, then this worker's experts' W1, b1, W2, b2. */
  @Override
  public List<NDArray> parameters() {
    List<NDArray> out = new ArrayList<>(List.of(router));
    out.addAll(experts.parameters());
    return out;
  }

  /** This worker's experts: their replicas alone hold them alike. */
  @Override
  public List<NDArray> localParameters() {
    return experts.parameters();
  }

  /** None: the experts' traffic is all-to-all ({@link #allToAlls}). */
  @Override
  public int allReduces() {
    return 0;
  }

  @Override
  public long communicationNanos() {
    return communicationNanos;
  }

  /** All-to-alls issued so far: 2 per forward, 2 per backward (counted with one worker too). */
  public int allToAlls() {
    return allToAlls;
  }

  /** Bytes this worker handed to all-to-alls so far, its own slot included. */
  public long allToAllBytes() {
    return allToAllBytes;
  }

  /** The routing of every forward since the last call, then forgets it. */
  public MoeLoad.Totals drainLoad() {
    return load.drain();
  }
}
