package dev.cohort.train.compress;

import java.util.List;

/**
 * What a gradient bucket holds: {@code count} float32 values, the gradients of several parameters
 * one after another, each seen as a matrix of {@code rows} x {@code cols} (its first dimension by
 * the product of the others; a vector or scalar is one row).
 */
public record BucketLayout(int count, List<Block> blocks) {
  /** One parameter's gradient: {@code rows * cols} values from {@code offset}, row-major. */
  public record Block(int offset, int rows, int cols) {
    public int count() {
      return rows * cols;
    }
  }

  public BucketLayout {
    blocks = List.copyOf(blocks);
    int at = 0;
    for (Block b : blocks) {
      if (b.offset() != at || b.rows() < 1 || b.cols() < 1) {
        throw new IllegalArgumentException("bucket blocks must tile it in order, got " + blocks);
      }
      at += b.count();
    }
    if (at != count) {
      throw new IllegalArgumentException(
          "bucket blocks hold " + at + " values, the bucket " + count);
    }
  }

  /** A bucket of {@code count} values seen as one vector. */
  public static BucketLayout flat(int count) {
    return new BucketLayout(count, List.of(new Block(0, 1, count)));
  }
}
