package dev.cohort.train.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InputTensorsTest {

  private static InMemoryDataset data() {
    Random random = new Random(5);
    float[] x = new float[20 * 6];
    int[] y = new int[20];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextFloat();
    }
    for (int i = 0; i < y.length; i++) {
      y[i] = random.nextInt(3);
    }
    return InMemoryDataset.of(x, y, new int[] {2, 3}, 3);
  }

  @Test
  void filledTensorsShouldHoldWhatABuiltBatchHolds() {
    InMemoryDataset data = data();
    int[][] batches = {{3, 7, 19, 0}, {1, 1, 2, 18}};
    try (NDManager root = NDManager.newBaseManager();
        InputTensors in = InputTensors.allocate(root, data, 4)) {
      for (int[] indices : batches) {
        in.fill(data, indices);
        try (NDManager step = root.newSubManager()) {
          NDList lent = in.lendTo(step);
          NDList built = Batches.build(step, data, indices);
          assertThat(lent.get(0).getShape()).isEqualTo(built.get(0).getShape());
          assertThat(lent.get(0).toFloatArray()).containsExactly(built.get(0).toFloatArray());
          assertThat(lent.get(1).toFloatArray()).containsExactly(built.get(1).toFloatArray());
        }
      }
    }
  }

  @Test
  void arraysDerivedInAStepShouldBeFreedWithItAndTheTensorsKept() {
    InMemoryDataset data = data();
    try (NDManager root = NDManager.newBaseManager();
        InputTensors in = InputTensors.allocate(root, data, 4)) {
      in.fill(data, new int[] {0, 1, 2, 3});
      NDArray derived;
      NDList lent;
      try (NDManager step = root.newSubManager()) {
        lent = in.lendTo(step);
        derived = lent.get(0).mul(lent.get(0));
        assertThat(derived.getManager()).isSameAs(step);
      }
      assertThat(derived.isReleased()).isTrue();
      assertThat(lent.get(0).isReleased()).isFalse();
      assertThat(lent.get(0).getManager()).isSameAs(root);
      in.fill(data, new int[] {4, 5, 6, 7}); // still writable after the step
      assertThat(lent.get(1).toFloatArray()[0]).isEqualTo(data.label(4));
    }
  }

  @Test
  void aBatchOfAnotherSizeShouldBeRefused() {
    InMemoryDataset data = data();
    try (NDManager root = NDManager.newBaseManager();
        InputTensors in = InputTensors.allocate(root, data, 4)) {
      assertThatThrownBy(() -> in.fill(data, new int[] {1, 2}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("a batch of 2 samples does not fit tensors of 4");
    }
  }
}
