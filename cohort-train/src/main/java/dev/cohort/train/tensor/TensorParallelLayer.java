package dev.cohort.train.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.cohort.comm.ProcessGroup;
import java.util.ArrayList;
import java.util.List;

/**
 * One pre-norm transformer layer, {@code y = x + attention(norm1(x))}, then {@code y +
 * mlp(norm2(y))}, over a tensor group: the attention and the MLP are {@link TensorParallelRegion}s,
 * the LayerNorms and residuals replicated (every rank computes them alike, so their gradients agree
 * without communication). Four all-reduces per layer per step: each region's output forward and its
 * input's gradient backward. Without dropout: inside the regions each rank would need a stream of
 * its own.
 */
public final class TensorParallelLayer implements TensorParallelModule {
  private static final float EPSILON = 1e-5f; // DJL's LayerNorm default

  /**
   * The layer's full weights, as the unsplit model holds them.
   *
   * @param qkvWeight queries', keys' and values' weights stacked, (3 width, width)
   */
  public record Weights(
      NDArray norm1Gamma,
      NDArray norm1Beta,
      NDArray qkvWeight,
      NDArray qkvBias,
      NDArray projectionWeight,
      NDArray projectionBias,
      NDArray norm2Gamma,
      NDArray norm2Beta,
      NDArray mlpWeight1,
      NDArray mlpBias1,
      NDArray mlpWeight2,
      NDArray mlpBias2) {}

  private final NDArray gamma1;
  private final NDArray beta1;
  private final NDArray gamma2;
  private final NDArray beta2;
  private final TensorParallelAttention attention;
  private final TensorParallelModule mlp;
  private NDArray input; // leaf of the first norm's graph
  private NDArray norm1; // its output, the attention's input
  private NDArray middle; // leaf of the second norm's graph: x + attention
  private NDArray norm2; // its output, the MLP's input

  /**
   * This rank's part of a layer of {@code heads} heads, cut from {@code full} in {@code manager}.
   */
  public TensorParallelLayer(ProcessGroup group, NDManager manager, int heads, Weights full) {
    this(group, manager, heads, full, null);
  }

  /**
   * The same with another feed-forward module in place of the MLP (a mixture of experts), {@code
   * full}'s MLP weights unused; {@code group} null for the attention whole on this rank.
   */
  public TensorParallelLayer(
      ProcessGroup group,
      NDManager manager,
      int heads,
      Weights full,
      TensorParallelModule feedForward) {
    this.gamma1 = TensorParallelRegion.shard(manager, full.norm1Gamma(), ":");
    this.beta1 = TensorParallelRegion.shard(manager, full.norm1Beta(), ":");
    this.gamma2 = TensorParallelRegion.shard(manager, full.norm2Gamma(), ":");
    this.beta2 = TensorParallelRegion.shard(manager, full.norm2Beta(), ":");
    this.attention =
        new TensorParallelAttention(
            group,
            manager,
            heads,
            full.qkvWeight(),
            full.qkvBias(),
            full.projectionWeight(),
            full.projectionBias());
    this.mlp =
        feedForward != null
            ? feedForward
            : new TensorParallelMlp(
                group,
                manager,
                full.mlpWeight1(),
                full.mlpBias1(),
                full.mlpWeight2(),
                full.mlpBias2());
  }

  /** The layer's output for {@code x} (replicated), the same on every rank. Collective. */
  @Override
  public NDArray forward(NDArray x) {
    input = leaf(x);
    norm1 = norm(input, gamma1, beta1);
    NDArray attended = attention.forward(norm1);
    middle = leaf(input.stopGradient().add(attended.stopGradient()));
    norm2 = norm(middle, gamma2, beta2);
    NDArray out = mlp.forward(norm2);
    return middle.stopGradient().add(out.stopGradient());
  }

  /**
   * From the output's gradient {@code dy}: accumulates every parameter's gradient and returns the
   * input's, the same on every rank. Collective.
   */
  @Override
  public NDArray backward(NDArray dy) {
    NDArray dNorm2 = mlp.backward(dy);
    JniUtils.backward((PtNDArray) norm2, (PtNDArray) dNorm2, false, false);
    NDArray dMiddle = dy.add(middle.getGradient()); // the residual and the second norm
    NDArray dNorm1 = attention.backward(dMiddle);
    JniUtils.backward((PtNDArray) norm1, (PtNDArray) dNorm1, false, false);
    return dMiddle.add(input.getGradient()); // the residual and the first norm
  }

  /** The first norm's, the attention's, the second norm's and the MLP's parameters, in order. */
  @Override
  public List<NDArray> parameters() {
    List<NDArray> out = new ArrayList<>(List.of(gamma1, beta1));
    out.addAll(attention.parameters());
    out.addAll(List.of(gamma2, beta2));
    out.addAll(mlp.parameters());
    return out;
  }

  /** The feed-forward module's local parameters (a mixture of experts' experts). */
  @Override
  public List<NDArray> localParameters() {
    return mlp.localParameters();
  }

  /** The feed-forward module (the MLP or the mixture of experts). */
  public TensorParallelModule feedForward() {
    return mlp;
  }

  @Override
  public long communicationNanos() {
    return attention.communicationNanos() + mlp.communicationNanos();
  }

  /** Bytes the attention and a tensor-parallel MLP all-reduced so far. */
  public long allReduceBytes() {
    return attention.allReduceBytes()
        + (mlp instanceof TensorParallelRegion r ? r.allReduceBytes() : 0);
  }

  /** All-reduces issued so far: 2 per forward, 2 per backward. */
  @Override
  public int allReduces() {
    return attention.allReduces() + mlp.allReduces();
  }

  private static NDArray leaf(NDArray x) {
    NDArray leaf = x.stopGradient();
    leaf.setRequiresGradient(true);
    return leaf;
  }

  private static NDArray norm(NDArray x, NDArray gamma, NDArray beta) {
    Shape last = new Shape(x.getShape().get(x.getShape().dimension() - 1));
    return LayerNorm.layerNorm(x, last, gamma, beta, EPSILON).singletonOrThrow();
  }
}
