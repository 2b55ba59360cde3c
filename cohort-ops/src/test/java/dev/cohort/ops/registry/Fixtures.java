package dev.cohort.ops.registry;

import java.util.ArrayList;
import java.util.List;

/** Sample versions for registry tests. */
final class Fixtures {

  static final String FINGERPRINT = "d4".repeat(32);
  static final String MODEL = "demo";

  private Fixtures() {}

  /** A set score over 1000 samples with a loss derived from the accuracy. */
  static SetScore score(double accuracy, double... classes) {
    List<Double> perClass = new ArrayList<>();
    for (double c : classes) {
      perClass.add(c);
    }
    return new SetScore(1000, accuracy, 1.0 - accuracy, perClass);
  }

  /** Ten classes all at {@code accuracy}, except {@code weakClass} at {@code weakAccuracy}. */
  static double[] classes(double accuracy, int weakClass, double weakAccuracy) {
    double[] out = new double[10];
    java.util.Arrays.fill(out, accuracy);
    out[weakClass] = weakAccuracy;
    return out;
  }

  /** An evaluation on "test" and "shift:noise", ten classes each. */
  static Evaluation evaluation(double test, double noise) {
    return Evaluation.builder()
        .set(Evaluation.TEST, score(test, classes(test, 6, test)))
        .set("shift:noise", score(noise, classes(noise, 0, noise)))
        .build();
  }

  /** A lineage whose run folder and checkpoint are named after {@code run}. */
  static Lineage lineage(String run) {
    return Lineage.builder()
        .runDir("/runs/" + run)
        .codeVersion("0123456789abcdef0123456789abcdef01234567")
        .config("{\"epochs\":3,\"optimizer\":{\"lr\":0.1,\"name\":\"sgd\"},\"layers\":[64,32]}")
        .worldSize(4)
        .strategy("ddp-ring")
        .dataFingerprint(FINGERPRINT)
        .checkpointDigest("c0".repeat(32))
        .checkpointPath("/runs/" + run + "/checkpoint")
        .trainingSeconds(1800.25)
        .build();
  }

  /** A new version of {@link #MODEL} with the given test and noise accuracy. */
  static NewVersion version(double test, double noise) {
    return new NewVersion(MODEL, lineage("run-" + test), evaluation(test, noise));
  }
}
