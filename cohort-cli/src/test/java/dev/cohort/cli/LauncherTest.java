package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.launch.local.LocalLauncher;
import dev.cohort.launch.local.Outcome;
import dev.cohort.launch.spawn.JavaCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The launcher stops everyone when one worker fails, says who and why, and leaves no orphans. */
@Timeout(180)
class LauncherTest {

  @Test
  void aCrashingWorkerShouldStopTheOthersAndBeReported(@TempDir Path dir) throws Exception {
    long t0 = System.nanoTime();
    Outcome o =
        new LocalLauncher(new PrintStream(new ByteArrayOutputStream()))
            .run(3, JavaCommand.of(CrashingWorker.class.getName(), List.of()).withThreads(1), dir);
    assertThat(o.exitCode()).isEqualTo(7);
    assertThat(o.failedRank()).isEqualTo(1);
    assertThat(o.report())
        .contains("rank 1")
        .contains("exit status 7")
        .contains("rank 1 line 20")
        .doesNotContain("rank 1 line 3\n");
    assertThat((System.nanoTime() - t0) / 1_000_000_000)
        .as("no waiting for the others")
        .isLessThan(60);
    assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).toList())
        .as("orphans")
        .isEmpty();
  }

  @Test
  void aMissingDataSetShouldFailFastWithTheInstallCommand(@TempDir Path dir) {
    Result r =
        cohort(
            "train",
            "--nproc",
            "2",
            "--model",
            "mlp",
            "--data",
            dir.resolve("none").toString(),
            "--run-dir",
            dir.resolve("run").toString());
    assertThat(r.code).isEqualTo(1);
    assertThat(r.err)
        .contains("failed with exit status")
        .contains("apt-get install dataset-fashion-mnist");
    assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).toList())
        .isEmpty();
  }

  @Test
  void aStorePortInUseShouldBeNamed(@TempDir Path dir) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      Result r =
          cohort(
              "train",
              "--nproc",
              "2",
              "--master-port",
              "" + taken.getLocalPort(),
              "--run-dir",
              dir.toString());
      assertThat(r.code).isEqualTo(1);
      assertThat(r.err).contains(":" + taken.getLocalPort()).contains("port");
    }
  }

  @Test
  void invalidOptionsShouldBeRefusedBeforeAnythingStarts() {
    assertThat(cohort("train", "--nproc", "0").err).contains("--nproc");
    Result model = cohort("train", "--model", "resnet");
    assertThat(model.code).isEqualTo(2);
    assertThat(model.err)
        .contains(
            "--model must be one of [mlp, cnn, cnn-bn, mlp-dropout, mlp-wide, gpt, gpt-tiny]");
    assertThat(cohort("train", "--buffer-sync", "median").err)
        .contains("--buffer-sync must be broadcast or average, got median");
    assertThat(cohort("train", "--epochs", "0").err).contains("epochs must be >= 1");
    assertThat(cohort("train", "--remainder", "keep").err)
        .contains("--remainder must be drop or pad");
    assertThat(cohort("train", "--model", "mlp", "--backward-segments", "9").err)
        .contains("--backward-segments 9 is more than the model's 6 blocks; use at most 6");
    assertThat(cohort("train", "--backward-segments", "2", "--accumulation", "2").err)
        .contains("backward segments 2 cannot be combined with accumulation 2");
  }

  record Result(int code, String out, String err) {}

  static Result cohort(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    try {
      System.setOut(new PrintStream(out, true));
      System.setErr(new PrintStream(err, true));
      CommandLine cl = new CommandLine(new Main());
      cl.setErr(new PrintWriter(System.err, true));
      int code = cl.execute(args);
      return new Result(code, out.toString(), err.toString());
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }
}
