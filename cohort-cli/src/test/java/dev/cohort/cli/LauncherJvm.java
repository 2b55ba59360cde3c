package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.launch.spawn.JavaCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code cohort train} in a JVM of its own, as a user starts it, so that a test can signal or kill
 * the launcher itself. Its output (stdout and stderr) goes to {@code launcher.out} beside the run
 * folder.
 */
final class LauncherJvm {
  private LauncherJvm() {}

  /** Starts {@code cohort train ARGS --run-dir RUN} with 2 mlp workers of one thread each. */
  static Process train(Path run, String... args) throws IOException {
    List<String> cli =
        new ArrayList<>(
            List.of(
                "train",
                "--nproc",
                "2",
                "--model",
                "mlp",
                "--batch",
                "32",
                "--train-limit",
                "4096",
                "--test-limit",
                "200",
                "--no-progress",
                "--threads",
                "1",
                "--run-dir",
                run.toString()));
    cli.addAll(List.of(args));
    Files.createDirectories(run.getParent());
    return new ProcessBuilder(JavaCommand.cohort(cli).toList())
        .redirectErrorStream(true)
        .redirectOutput(output(run).toFile())
        .start();
  }

  /** Where the launcher's output goes. */
  static Path output(Path run) {
    return run.resolveSibling(run.getFileName() + "-launcher.out");
  }

  /** Waits until metrics.csv has more than {@code lines} lines (training is under way). */
  static void awaitSteps(Process launcher, Path run, int lines) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    Path metrics = run.resolve("metrics.csv");
    while (!(Files.exists(metrics) && Files.readAllLines(metrics).size() > lines)) {
      assertThat(launcher.isAlive()).as(Files.readString(output(run))).isTrue();
      assertThat(System.nanoTime()).as("training under way").isLessThan(deadline);
      Thread.sleep(50);
    }
  }
}
