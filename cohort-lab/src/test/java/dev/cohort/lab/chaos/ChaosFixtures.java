package dev.cohort.lab.chaos;

import dev.cohort.train.TrainConfig;
import java.nio.file.Path;
import java.util.List;

/** Options of a small chaos run for unit tests. */
final class ChaosFixtures {
  private ChaosFixtures() {}

  static ChaosRun.Options options(Path out) {
    return new ChaosRun.Options(
        2,
        TrainConfig.builder().model("mlp").epochs(2).batch(32).trainLimit(4096).build(),
        10,
        2,
        List.of(Target.WORKERS, Target.LAUNCHER),
        7,
        out,
        out.resolve("work"),
        List.of("/usr/bin/java", "-cp", "cohort.jar", "dev.cohort.cli.Main"),
        "bin/cohort lab chaos --kills 2");
  }
}
