package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.launch.local.LocalLauncher;
import dev.cohort.launch.local.Outcome;
import dev.cohort.launch.spawn.JavaCommand;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run stopped between checkpoints and resumed ends with exactly the parameters of a run that was
 * never stopped: the steps after the last checkpoint are redone, bit for bit.
 */
@Timeout(300)
class ResumeTest {

  @Test
  void aResumedRunShouldEndBitwiseEqualToAnUninterruptedOne(@TempDir Path dir) throws Exception {
    Path straight = dir.resolve("straight");
    Path stopped = dir.resolve("stopped");
    run(straight, 30, List.of());
    // Stop at step 25: the newest checkpoint is from step 20, so 5 steps are lost and redone.
    run(stopped, 25, List.of());
    assertThat(Files.list(stopped.resolve("checkpoints")).map(p -> p.getFileName().toString())
        .sorted().toList()).containsExactly("ckpt-000000010", "ckpt-000000020");
    run(stopped, 30, List.of("--resume", stopped.toString()));
    for (int r = 0; r < 2; r++) {
      float[] a = ParamDumps.read(straight.resolve("params.rank" + r));
      float[] b = ParamDumps.read(stopped.resolve("params.rank" + r));
      assertThat(a.length).isEqualTo(b.length);
      for (int i = 0; i < a.length; i++) {
        if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
          throw new AssertionError("rank " + r + " parameter element " + i + " differs: " + a[i]
              + " vs " + b[i]);
        }
      }
    }
    String summary = Files.readString(stopped.resolve("summary.json"));
    assertThat(summary).contains("\"resumed_from\"").contains("\"checkpoints\"");
  }

  @Test
  void resumingOnOtherDataShouldBeRefused(@TempDir Path dir) throws Exception {
    run(dir, 12, List.of());
    // Same model and optimizer, but 2048 training samples instead of 4096: another data set.
    List<String> args = new ArrayList<>(List.of("worker", "--model", "mlp", "--optimizer", "adam",
        "--batch", "32", "--seed", "5", "--train-limit", "2048", "--test-limit", "500",
        "--max-steps", "20", "--no-progress", "--run-dir", dir.toString(), "--resume",
        dir.toString()));
    Outcome o = new LocalLauncher(new PrintStream(System.out)).run(2, JavaCommand.cohort(args).withThreads(1), dir);
    assertThat(o.exitCode()).isNotZero();
    assertThat(o.report()).contains("data_fingerprint");
  }

  private static void run(Path dir, int steps, List<String> extra) throws Exception {
    Files.createDirectories(dir);
    List<String> args = new ArrayList<>(List.of("worker", "--model", "mlp", "--optimizer", "adam",
        "--batch", "32", "--seed", "5", "--train-limit", "4096", "--test-limit", "500",
        "--max-steps", "" + steps, "--checkpoint-every", "10", "--no-progress",
        "--run-dir", dir.toString(), "--dump-params", dir.resolve("params").toString()));
    args.addAll(extra);
    Outcome o = new LocalLauncher(new PrintStream(System.out)).run(2, JavaCommand.cohort(args).withThreads(1), dir);
    assertThat(o.exitCode()).as(o.report()).isZero();
  }
}
