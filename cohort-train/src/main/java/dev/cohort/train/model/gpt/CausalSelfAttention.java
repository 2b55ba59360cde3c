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

/**
 * Multi-head self-attention in which position t sees positions up to t only: queries, keys and
 * values from one linear map, softmax(q kᵀ / √d + mask) v per head, the heads concatenated and
 * projected back, dropout on the attention weights and on the output.
 */
final class CausalSelfAttention extends AbstractBlock {
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
    NDArray y =
        CausalAttention.attend(
            qkv.forward(ps, new NDList(x), training).singletonOrThrow(),
            cfg.heads(),
            cfg.width() / cfg.heads(),
            w -> attentionDropout.forward(ps, new NDList(w), training, params).singletonOrThrow());
    NDArray out = projection.forward(ps, new NDList(y), training).singletonOrThrow();
    return outputDropout.forward(ps, new NDList(out), training, params);
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
