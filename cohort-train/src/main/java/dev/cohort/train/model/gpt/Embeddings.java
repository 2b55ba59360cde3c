package dev.cohort.train.model.gpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Tokens {@code (batch, time)} (indices, any number type) to {@code (batch, time, width)}: a
 * learned vector per token plus a learned vector per position, then dropout.
 */
final class Embeddings extends AbstractBlock {
  private final GptConfig cfg;
  private final Parameter tokens;
  private final Parameter positions;
  private final Dropout dropout;

  Embeddings(GptConfig cfg) {
    this.cfg = cfg;
    tokens =
        addParameter(
            Parameter.builder()
                .setName("tokens")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(cfg.vocabulary(), cfg.width()))
                .build());
    positions =
        addParameter(
            Parameter.builder()
                .setName("positions")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(cfg.context(), cfg.width()))
                .build());
    dropout = addChildBlock("dropout", Dropout.builder().optRate(cfg.dropout()).build());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    long time = x.getShape().get(1);
    if (x.getShape().dimension() != 2 || time > cfg.context()) {
      throw new IllegalArgumentException(
          "the GPT takes tokens of shape (batch, time <= "
              + cfg.context()
              + "), got "
              + x.getShape());
    }
    NDArray w = ps.getValue(tokens, x.getDevice(), training);
    NDArray p = ps.getValue(positions, x.getDevice(), training);
    NDArray e =
        Embedding.embedding(x.toType(DataType.INT64, false), w, SparseFormat.DENSE)
            .singletonOrThrow()
            .add(p.get(x.getManager(), new NDIndex("0:" + time))); // freed with the step
    return dropout.forward(ps, new NDList(e), training, params);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    return new Shape[] {inputs[0].add(cfg.width())};
  }

  @Override
  protected void initializeChildBlocks(
      ai.djl.ndarray.NDManager manager, DataType dataType, Shape... inputShapes) {
    dropout.initialize(manager, dataType, getOutputShapes(inputShapes));
  }
}
