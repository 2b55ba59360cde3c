package dev.cohort.cli;

import dev.cohort.ops.models.RunVersions;
import dev.cohort.ops.registry.ModelVersion;
import dev.cohort.ops.registry.Registry;
import dev.cohort.ops.registry.SetScore;
import dev.cohort.train.data.FashionMnist;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cohort models register RUN_DIR --name MODEL}: a finished run as the model's next version.
 */
@Command(
    name = "register",
    description = {
      "Register a finished run's model as the next version of MODEL: its lineage (run, code,",
      "configuration, workers, strategy, data fingerprint, model digest) and its scores on the",
      "test set, each shifted set and each class, measured on the saved model."
    })
final class ModelsRegisterCommand extends ModelsCommand.Action {
  @Parameters(paramLabel = "RUN_DIR", description = "The run folder.")
  Path runDir;

  @Option(names = "--name", required = true, description = "The model's name, e.g. fashion.")
  String name;

  @Option(
      names = "--data",
      description = "Fashion-MNIST folder (default " + "/usr/share/datasets/fashion-mnist).")
  Path data = FashionMnist.DEFAULT_DIR;

  @Option(
      names = "--test-limit",
      defaultValue = "0",
      description = "Test images to score (default: all 10,000).")
  int testLimit;

  @Override
  int run(Registry r, PrintWriter out) throws Exception {
    if (testLimit < 0) {
      throw new IllegalArgumentException("--test-limit must be >= 0, got " + testLimit);
    }
    out.println(
        "scoring the model of "
            + runDir
            + " on "
            + (testLimit > 0 ? testLimit + " test images" : "the test set")
            + " and 3 shifted copies of it...");
    out.flush();
    ModelVersion v =
        r.register(
            RunVersions.of(new RunVersions.Request(runDir, name, data, testLimit)),
            registry.actor());
    StringBuilder scores = new StringBuilder();
    for (Map.Entry<String, SetScore> e : v.evaluation().sets().entrySet()) {
      scores.append(String.format(Locale.ROOT, " %s %.4f", e.getKey(), e.getValue().accuracy()));
    }
    out.println("registered " + v.label() + " from " + runDir + ":" + scores);
    return 0;
  }
}
