package com.example;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;

/**
 * The model: a small convolutional network for 28x28 grey images, written in plain DJL. Cohort
 * trains any DJL {@link Block}; this one has what makes distributed training interesting beyond
 * plain weights:
 *
 * <ul>
 *   <li>BatchNorm, whose running mean and variance are buffers (state without gradients), two of
 *       them inside a custom block;
 *   <li>Dropout, which draws random numbers on every training step;
 *   <li>a custom block, {@link ScaledResidual}, with a learned scalar parameter of its own.
 * </ul>
 *
 * <p>Shapes for a batch of n images: (n, 1, 28, 28) → conv → (n, 16, 28, 28) → residual → (n, 16,
 * 28, 28) → max-pool → (n, 16, 14, 14) → flatten → (n, 3136) → linear → (n, classes).
 *
 * <p>{@link Train} and {@link Predict} both call {@link #build}: training saves the parameters, and
 * loading them needs the same architecture.
 */
public final class OwnModel {
  private OwnModel() {}

  /**
   * A new, uninitialized model (DJL gives it its shapes and initial parameters on first use).
   *
   * @param classes the number of classes; the model outputs one score (logit) per class
   */
  public static Block build(int classes) {
    return new SequentialBlock()
        .add(
            Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .optPadding(new Shape(1, 1))
                .setFilters(16)
                .build())
        .add(BatchNorm.builder().build())
        .add(Activation.reluBlock())
        .add(new ScaledResidual(16))
        .add(Pool.maxPool2dBlock(new Shape(2, 2)))
        .add(Blocks.batchFlattenBlock())
        .add(Dropout.builder().optRate(0.25f).build())
        .add(Linear.builder().setUnits(classes).build());
  }
}
