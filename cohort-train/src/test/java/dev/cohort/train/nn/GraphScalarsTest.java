package dev.cohort.train.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.Test;

/**
 * A division by a number that a backward pass goes through survives a garbage collection between
 * forward and backward (DJL's own {@code div(Number)} frees the number's memory before then).
 */
class GraphScalarsTest {

  @Test
  void theGradientThroughADivisionShouldSurviveAGarbageCollection() {
    System.setProperty("ai.djl.offline", "true");
    Engine.getInstance(); // loads libtorch
    JniUtils.setGradMode(true);
    try (NDManager m = NDManager.newBaseManager()) {
      for (int round = 0; round < 20; round++) {
        NDArray x = m.create(new float[] {1f, 2f, 3f});
        x.setRequiresGradient(true);
        NDArray y = GraphScalars.divide(x, 4).sum();
        churn(); // frees whatever Java memory nothing references any more
        try (NDArray ones = y.onesLike()) {
          JniUtils.backward((PtNDArray) y, (PtNDArray) ones, false, false);
        }
        assertThat(x.getGradient().toFloatArray()).containsExactly(0.25f, 0.25f, 0.25f);
      }
    } finally {
      JniUtils.setGradMode(false);
    }
  }

  private static void churn() {
    for (int i = 0; i < 200; i++) {
      java.nio.ByteBuffer.allocateDirect(4096).put(0, (byte) 7);
    }
    System.gc();
  }
}
