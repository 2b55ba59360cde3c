package dev.cohort.train.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradientClippingTest {

  private static ByteBuffer floats(float... v) {
    ByteBuffer b = ByteBuffer.allocateDirect(v.length * 4).order(ByteOrder.nativeOrder());
    for (int i = 0; i < v.length; i++) {
      b.putFloat(i * 4, v[i]);
    }
    return b;
  }

  @Test
  void aGradientLongerThanTheBoundShouldBeScaledToItAndAShorterOneLeftAlone() {
    List<ByteBuffer> grads = List.of(floats(3, 0), floats(0, 4)); // norm 5 over both
    double sum = GradientClipping.sumOfSquares(grads);
    assertThat(sum).isEqualTo(25);
    float f = GradientClipping.factor(sum, 1);
    assertThat(f).isCloseTo(0.2f, within(1e-6f));
    GradientClipping.scale(grads, f);
    assertThat(Math.sqrt(GradientClipping.sumOfSquares(grads))).isCloseTo(1, within(1e-6));
    assertThat(grads.get(0).getFloat(0)).isCloseTo(0.6f, within(1e-6f));
    assertThat(GradientClipping.factor(25, 5)).isEqualTo(1f);
    assertThat(GradientClipping.factor(25, 0)).as("0: no clipping").isEqualTo(1f);
  }
}
