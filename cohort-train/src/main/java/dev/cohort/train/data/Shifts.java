package dev.cohort.train.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Out-of-distribution versions of an image test set, for checking how training choices (batch size,
 * worker count) affect generalization beyond the test distribution: Gaussian pixel noise, a
 * rotation, and reduced contrast. Deterministic for a given seed.
 */
public final class Shifts {
  private Shifts() {}

  /** The shifts by name. */
  public enum Kind {
    NOISE,
    ROTATION,
    CONTRAST
  }

  /** True if {@code data} holds single-channel square images, which the shifts apply to. */
  public static boolean applicable(InMemoryDataset data) {
    int[] shape = data.featureShape();
    return shape.length == 3 && shape[0] == 1 && shape[1] == shape[2];
  }

  /** A copy of {@code data} (single-channel square images) with {@code kind} applied. */
  public static InMemoryDataset apply(InMemoryDataset data, Kind kind, long seed) {
    int[] shape = data.featureShape();
    int side = shape[shape.length - 1];
    if (!applicable(data)) {
      throw new IllegalArgumentException(
          "shifts need single-channel square images, got shape " + Arrays.toString(shape));
    }
    int size = data.featureSize();
    float[] out = new float[data.size() * size];
    int[] labels = new int[data.size()];
    float[] img = new float[size];
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int i = 0; i < data.size(); i++) {
      data.copyFeatures(i, img, 0);
      labels[i] = data.label(i);
      switch (kind) {
        case NOISE -> {
          for (int p = 0; p < size; p++) {
            out[i * size + p] = clamp(img[p] + (float) (0.2 * rnd.nextGaussian()));
          }
        }
        case CONTRAST -> {
          for (int p = 0; p < size; p++) {
            out[i * size + p] = 0.5f + (img[p] - 0.5f) * 0.4f;
          }
        }
        case ROTATION -> rotate(img, side, Math.toRadians(20), out, i * size);
        default -> throw new IllegalArgumentException(kind.name());
      }
    }
    return InMemoryDataset.of(out, labels, shape, data.classes());
  }

  /** Nearest-neighbour rotation about the centre; pixels from outside the image are black. */
  private static void rotate(float[] img, int side, double angle, float[] out, int at) {
    double c = Math.cos(angle);
    double s = Math.sin(angle);
    double mid = (side - 1) / 2.0;
    for (int y = 0; y < side; y++) {
      for (int x = 0; x < side; x++) {
        double sx = c * (x - mid) + s * (y - mid) + mid;
        double sy = -s * (x - mid) + c * (y - mid) + mid;
        int ix = (int) Math.round(sx);
        int iy = (int) Math.round(sy);
        out[at + y * side + x] =
            ix >= 0 && iy >= 0 && ix < side && iy < side ? img[iy * side + ix] : 0f;
      }
    }
  }

  private static float clamp(float v) {
    return v < 0 ? 0 : v > 1 ? 1 : v;
  }
}
