package dev.cohort.train.model.gpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.cohort.train.nn.GraphScalars;

/**
 * Multi-head self-attention in which position t sees positions up to t only: queries, keys and
 * values from one linear map, softmax(q kᵀ / √d + mask) v per head, the heads concatenated and
 * projected back, dropout on the attention weights and on the output.
 */
final class CausalSelfAttention extends AbstractBlock {
  private static final float MASKED = -1e9f;

  private final GptConfig cfg;
  private final Linear qkv;
  private final Linear projection;
  private final Dropout attentionDropout;
  private final Dropout outputDropout;

  CausalSelfAttention(GptConfig cfg) {
    this.cfg = cfg;
    qkv = addChildBlock("qkv", Linear.builder().setUnits(3L * cfg.width()).build());
    projection = addChildBlock("projection", Linear.builder().setUnits(cfg.width()).build());
    attentionDropout =
        addChildBlock("attentionDropout", Dropout.builder().optRate(cfg.dropout()).build());
    outputDropout =
        addChildBlock("outputDropout", Dropout.builder().optRate(cfg.dropout()).build());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    long batch = x.getShape().get(0);
    long time = x.getShape().get(1);
    int heads = cfg.heads();
    long headWidth = cfg.width() / heads;
    NDList qkvParts = qkv.forward(ps, new NDList(x), training).singletonOrThrow().split(3, 2);
    NDArray q = toHeads(qkvParts.get(0), batch, time, heads, headWidth);
    NDArray k = toHeads(qkvParts.get(1), batch, time, heads, headWidth);
    NDArray v = toHeads(qkvParts.get(2), batch, time, heads, headWidth);
    NDArray scores =
        GraphScalars.divide(q.matMul(k.transpose(0, 1, 3, 2)), Math.sqrt(headWidth))
            .add(causalMask(x.getManager(), time));
    NDArray weights =
        attentionDropout
            .forward(ps, new NDList(scores.softmax(-1)), training, params)
            .singletonOrThrow();
    NDArray y = weights.matMul(v).transpose(0, 2, 1, 3).reshape(batch, time, (long) cfg.width());
    NDArray out = projection.forward(ps, new NDList(y), training).singletonOrThrow();
    return outputDropout.forward(ps, new NDList(out), training, params);
  }

  private static NDArray toHeads(NDArray a, long batch, long time, int heads, long width) {
    return a.reshape(batch, time, heads, width).transpose(0, 2, 1, 3);
  }

  /** 0 where a position may look (itself and before), a large negative number after it. */
  private static NDArray causalMask(NDManager manager, long time) {
    int t = Math.toIntExact(time);
    float[] mask = new float[t * t];
    for (int i = 0; i < t; i++) {
      for (int j = i + 1; j < t; j++) {
        mask[i * t + j] = MASKED;
      }
    }
    return manager.create(mask, new Shape(t, t));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    return new Shape[] {inputs[0]};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputs) {
    qkv.initialize(manager, dataType, inputs);
    projection.initialize(manager, dataType, inputs);
    Shape scores = new Shape(inputs[0].get(0), cfg.heads(), inputs[0].get(1), inputs[0].get(1));
    attentionDropout.initialize(manager, dataType, scores);
    outputDropout.initialize(manager, dataType, inputs);
  }
}
