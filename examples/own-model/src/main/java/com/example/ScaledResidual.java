package com.example;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;

/**
 * A custom DJL block: {@code y = x + alpha * f(x)}, where {@code f} is a 3x3 convolution that keeps
 * the number of channels and the image size, then BatchNorm, then ReLU, and {@code alpha} is one
 * learned number that starts at 0.1 (so the block starts close to the identity).
 *
 * <p>Nothing here is specific to Cohort: this is how any DJL block is written. What a custom block
 * must do, following {@link AbstractBlock}'s contract:
 *
 * <ul>
 *   <li>register its children ({@link #addChildBlock}) and its own parameters ({@link
 *       #addParameter}) in the constructor, so that DJL initializes, trains, saves and loads them;
 *   <li>say what shape comes out for a given input ({@link #getOutputShapes});
 *   <li>initialize its children for the input shape they will see ({@link #initializeChildBlocks});
 *   <li>compute the output ({@link #forwardInternal}), passing {@code training} on to the children:
 *       BatchNorm uses batch statistics (and updates its running ones) only when training.
 * </ul>
 */
public final class ScaledResidual extends AbstractBlock {
  /** Saved with the parameters; raise it when the block's parameters change. */
  private static final byte VERSION = 1;

  private final SequentialBlock branch;
  private final Parameter alpha;

  /**
   * @param channels the number of channels of the input, and of the output
   */
  public ScaledResidual(int channels) {
    super(VERSION);
    branch =
        addChildBlock(
            "branch",
            new SequentialBlock()
                .add(
                    Conv2d.builder()
                        .setKernelShape(new Shape(3, 3))
                        .optPadding(new Shape(1, 1)) // "same" padding: 28x28 stays 28x28
                        .setFilters(channels)
                        .build())
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock()));
    // A scalar (shape ()) that takes gradients like any weight. Its own initializer: the default
    // one for weights (Xavier) needs fan-in and fan-out, which a scalar does not have.
    alpha =
        addParameter(
            Parameter.builder()
                .setName("alpha")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape())
                .optInitializer(new ConstantInitializer(0.1f))
                .build());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    NDArray fx = branch.forward(parameterStore, inputs, training, params).singletonOrThrow();
    // The parameter store hands out alpha on the input's device (and records it for gradients).
    NDArray a = parameterStore.getValue(alpha, x.getDevice(), training);
    return new NDList(x.add(fx.mul(a)));
  }

  /** The output has the input's shape: (batch, channels, height, width). */
  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    branch.initialize(manager, dataType, inputShapes);
  }
}
