package dev.cohort.train.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ShiftsTest {
  private static InMemoryDataset square() {
    // One 4x4 image: a bright pixel at (1, 0), the rest 0.25; label 3.
    float[] f = new float[16];
    Arrays.fill(f, 0.25f);
    f[1] = 1f;
    return InMemoryDataset.of(f, new int[] {3}, new int[] {1, 4, 4}, 10);
  }

  @Test
  void contrastShouldPullPixelsTowardsGreyKeepingLabels() {
    InMemoryDataset s = Shifts.apply(square(), Shifts.Kind.CONTRAST, 1);
    float[] px = new float[16];
    s.copyFeatures(0, px, 0);
    assertThat(px[1]).isEqualTo(0.7f);
    assertThat(px[0]).isEqualTo(0.4f);
    assertThat(s.label(0)).isEqualTo(3);
  }

  @Test
  void noiseShouldStayInRangeAndBeDeterministic() {
    float[] a = new float[16];
    float[] b = new float[16];
    Shifts.apply(square(), Shifts.Kind.NOISE, 9).copyFeatures(0, a, 0);
    Shifts.apply(square(), Shifts.Kind.NOISE, 9).copyFeatures(0, b, 0);
    assertThat(a).isEqualTo(b);
    for (float v : a) {
      assertThat(v).isBetween(0f, 1f);
    }
    assertThat(a).isNotEqualTo(new float[] {0.25f});
  }

  @Test
  void rotationShouldMoveTheBrightPixel() {
    // 28x28, one bright pixel near the top edge: 20 degrees carry it about 4 pixels sideways.
    float[] f = new float[28 * 28];
    f[2 * 28 + 14] = 1f;
    float[] px = new float[28 * 28];
    Shifts.apply(
            InMemoryDataset.of(f, new int[] {0}, new int[] {1, 28, 28}, 10),
            Shifts.Kind.ROTATION,
            1)
        .copyFeatures(0, px, 0);
    assertThat(px[2 * 28 + 14]).as("moved away").isZero();
    int bright = 0;
    for (float v : px) {
      bright += v == 1f ? 1 : 0;
    }
    assertThat(bright)
        .as("still there, perhaps doubled by nearest-neighbour sampling")
        .isBetween(1, 2);
    assertThatThrownBy(
            () ->
                Shifts.apply(
                    InMemoryDataset.of(new float[6], new int[] {1}, new int[] {1, 2, 3}, 2),
                    Shifts.Kind.ROTATION,
                    1))
        .hasMessageContaining("square");
  }
}
