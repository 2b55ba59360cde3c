package dev.cohort.comm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class ReduceOpTest {

  private static ByteBuffer floats(float... values) {
    ByteBuffer b = ByteBuffer.allocateDirect(values.length * 4).order(ByteOrder.nativeOrder());
    b.asFloatBuffer().put(values);
    return b;
  }

  @Test
  void reduceIntoShouldCombineElementWiseIntoTheAccumulator() {
    ByteBuffer acc = floats(1, 5, -2);
    ByteBuffer in = floats(4, 2, 3);
    ReduceOp.SUM.reduceInto(DataType.FLOAT32, acc, in, 3);
    assertThat(acc.getFloat(0)).isEqualTo(5f);
    assertThat(acc.getFloat(4)).isEqualTo(7f);
    assertThat(acc.getFloat(8)).isEqualTo(1f);
    ReduceOp.MAX.reduceInto(DataType.FLOAT32, acc, floats(9, 0, 0), 3);
    assertThat(acc.getFloat(0)).isEqualTo(9f);
    assertThat(in.getFloat(0)).as("the operand is left alone").isEqualTo(4f);
  }

  @Test
  void reduceIntoShouldRefuseBuffersTooSmallForTheCount() {
    assertThatThrownBy(
            () -> ReduceOp.SUM.reduceInto(DataType.FLOAT64, floats(1, 2), floats(1, 2), 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("16 bytes");
  }
}
