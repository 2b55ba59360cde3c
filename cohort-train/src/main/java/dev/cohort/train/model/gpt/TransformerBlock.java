package dev.cohort.train.model.gpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * One pre-norm transformer block: {@code x + attention(norm(x))}, then {@code x + mlp(norm(x))},
 * the MLP widening 4x with GELU.
 */
final class TransformerBlock extends AbstractBlock {
  private final LayerNorm norm1;
  private final CausalSelfAttention attention;
  private final LayerNorm norm2;
  private final SequentialBlock mlp;

  TransformerBlock(GptConfig cfg) {
    norm1 = addChildBlock("norm1", LayerNorm.builder().axis(2).build());
    attention = addChildBlock("attention", new CausalSelfAttention(cfg));
    norm2 = addChildBlock("norm2", LayerNorm.builder().axis(2).build());
    mlp =
        addChildBlock(
            "mlp",
            new SequentialBlock()
                .add(Linear.builder().setUnits(4L * cfg.width()).build())
                .add(Activation.geluBlock())
                .add(Linear.builder().setUnits(cfg.width()).build())
                .add(Dropout.builder().optRate(cfg.dropout()).build()));
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    NDArray a = norm1.forward(ps, new NDList(x), training).singletonOrThrow();
    x = x.add(attention.forward(ps, new NDList(a), training, params).singletonOrThrow());
    NDArray m = norm2.forward(ps, new NDList(x), training).singletonOrThrow();
    return new NDList(x.add(mlp.forward(ps, new NDList(m), training, params).singletonOrThrow()));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    return new Shape[] {inputs[0]};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputs) {
    norm1.initialize(manager, dataType, inputs);
    attention.initialize(manager, dataType, inputs);
    norm2.initialize(manager, dataType, inputs);
    mlp.initialize(manager, dataType, inputs);
  }
}
