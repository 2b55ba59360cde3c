package dev.cohort.train.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import java.util.List;
import java.util.Locale;

/**
 * The built-in models. Any DJL {@link Block} works with the distributed trainer; these two are the
 * ones the quickstart, tests and benchmarks use, with PyTorch twins in bench/peers.
 */
public final class Models {
  private Models() {}

  /** Names accepted by {@link #byName}. */
  public static final List<String> NAMES = List.of("mlp", "cnn");

  /** MLP: flatten, 784 -> 256 -> 128 -> classes, ReLU between. */
  public static Block mlp(int classes) {
    return new SequentialBlock()
        .add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(256).build())
        .add(Activation.reluBlock())
        .add(Linear.builder().setUnits(128).build())
        .add(Activation.reluBlock())
        .add(Linear.builder().setUnits(classes).build());
  }

  /**
   * Small CNN: conv 3x3x32, ReLU, max-pool 2; conv 3x3x64, ReLU, max-pool 2; dense 128, ReLU; dense
   * classes.
   */
  public static Block cnn(int classes) {
    return new SequentialBlock()
        .add(
            Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .optPadding(new Shape(1, 1))
                .setFilters(32)
                .build())
        .add(Activation.reluBlock())
        .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
        .add(
            Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .optPadding(new Shape(1, 1))
                .setFilters(64)
                .build())
        .add(Activation.reluBlock())
        .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
        .add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(128).build())
        .add(Activation.reluBlock())
        .add(Linear.builder().setUnits(classes).build());
  }

  /**
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  public static Block byName(String name, int classes) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "mlp" -> mlp(classes);
      case "cnn" -> cnn(classes);
      default ->
          throw new IllegalArgumentException(
              "unknown model '" + name + "'; choose one of " + NAMES);
    };
  }
}
