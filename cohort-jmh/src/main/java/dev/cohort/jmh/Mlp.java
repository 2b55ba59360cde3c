package dev.cohort.jmh;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** The MLP's parameters (784x256 + 256, 256x128 + 128, 128x10 + 10 floats) as direct buffers. */
final class Mlp {
  static final List<Integer> SIZES = List.of(784 * 256, 256, 256 * 128, 128, 128 * 10, 10);

  /** 235,146. */
  static final int ELEMENTS = SIZES.stream().mapToInt(Integer::intValue).sum();

  private Mlp() {}

  /**
   * One direct native-order buffer per parameter, as libtorch's memory and the gradient buckets
   * are, filled with Gaussian values of the given scale.
   */
  static List<ByteBuffer> buffers(long seed, float scale) {
    Random rnd = new Random(seed);
    List<ByteBuffer> list = new ArrayList<>();
    for (int n : SIZES) {
      ByteBuffer b = ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder());
      for (int i = 0; i < n; i++) {
        b.putFloat(4 * i, (float) rnd.nextGaussian() * scale);
      }
      list.add(b);
    }
    return list;
  }

  /**
   * Bytes one step moves per element: weights read and written, gradient read, and each state array
   * read and written (Adam has two, momentum one, SGD none).
   */
  static int bytesPerElement(String optimizer) {
    return switch (optimizer) {
      case "adam" -> 4 * (2 + 1 + 2 + 2);
      case "momentum" -> 4 * (2 + 1 + 2);
      case "sgd" -> 4 * (2 + 1);
      default -> throw new IllegalArgumentException("unknown optimizer " + optimizer);
    };
  }
}
