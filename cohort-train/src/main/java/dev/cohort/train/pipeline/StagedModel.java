package dev.cohort.train.pipeline;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link SequentialBlock} seen as stages of consecutive blocks. Each block is initialized from a
 * seed of its own (the run's seed and its position), so a stage's parameters are the same whether
 * one process holds the whole model or a pipeline rank holds only that stage, and a rank
 * initializes only its own stages.
 */
public final class StagedModel {
  private final List<Block> blocks;
  private final StagePartition partition;
  private final Shape[] inputShapes; // of each block, for one micro-batch

  /**
   * @param model the uninitialized model
   * @param partition its blocks per stage
   * @param microBatchInput the shape of one micro-batch's input to the first block
   */
  public StagedModel(SequentialBlock model, StagePartition partition, Shape microBatchInput) {
    this.blocks = List.copyOf(model.getChildren().values());
    if (blocks.size() != partition.blocks()) {
      throw new IllegalArgumentException(
          "the partition is for " + partition.blocks() + " blocks, the model has " + blocks.size());
    }
    this.partition = partition;
    model.setInitializer(new XavierInitializer(), Parameter.Type.WEIGHT);
    this.inputShapes = new Shape[blocks.size() + 1];
    inputShapes[0] = microBatchInput;
    for (int i = 0; i < blocks.size(); i++) {
      inputShapes[i + 1] = blocks.get(i).getOutputShapes(new Shape[] {inputShapes[i]})[0];
    }
  }

  public StagePartition partition() {
    return partition;
  }

  /**
   * Initializes {@code stage}'s blocks in {@code manager}, block i from seed {@code seed * 1000 +
   * i}. The engine's random seed is global: callers on several threads hold a common lock.
   */
  public void initialize(NDManager manager, int stage, int seed) {
    for (int i = partition.start(stage); i < partition.end(stage); i++) {
      Engine.getInstance().setRandomSeed(seed * 1000 + i);
      blocks.get(i).initialize(manager, DataType.FLOAT32, inputShapes[i]);
    }
  }

  /** The shape of {@code stage}'s input for one micro-batch. */
  public Shape inputShape(int stage) {
    return inputShapes[partition.start(stage)];
  }

  /** The shape of {@code stage}'s output for one micro-batch. */
  public Shape outputShape(int stage) {
    return inputShapes[partition.end(stage)];
  }

  /** {@code shape} for {@code rows} samples instead of a micro-batch's. */
  static Shape withRows(Shape shape, long rows) {
    long[] dims = shape.getShape();
    dims[0] = rows;
    return new Shape(dims);
  }

  /** {@code stage}'s forward pass. */
  public NDList forward(int stage, ParameterStore store, NDList input, boolean training) {
    NDList x = input;
    for (int i = partition.start(stage); i < partition.end(stage); i++) {
      x = blocks.get(i).forward(store, x, training);
    }
    return x;
  }

  /** Every parameter of {@code stage}'s blocks, trainable or not, in model order. */
  public List<Parameter> state(int stage) {
    List<Parameter> out = new ArrayList<>();
    for (int i = partition.start(stage); i < partition.end(stage); i++) {
      out.addAll(blocks.get(i).getParameters().values());
    }
    return out;
  }

  /** The parameters of {@code stage} that take gradients, in model order. */
  public List<Parameter> parameters(int stage) {
    List<Parameter> out = new ArrayList<>();
    for (int i = partition.start(stage); i < partition.end(stage); i++) {
      for (Parameter p : blocks.get(i).getParameters().values()) {
        if (p.requiresGradient()) {
          out.add(p);
        }
      }
    }
    return out;
  }
}
