package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.comm.Secrets;
import dev.cohort.launch.WorkerArgs;
import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.train.TrainConfig;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code mpirun -np 2 cohort worker} forms a world from Open MPI's variables and trains. */
@Timeout(300)
class MpirunTest {

  @Test
  void workersStartedByMpirunShouldTrainTogether(@TempDir Path dir) throws Exception {
    Path mpirun = Path.of("/usr/bin/mpirun");
    // CI installs openmpi-bin (.ci/run); a developer machine without it skips this test.
    Assumptions.assumeTrue(Files.isExecutable(mpirun), "openmpi-bin is not installed");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<String> cmd =
        new ArrayList<>(
            List.of(
                mpirun.toString(),
                "--allow-run-as-root",
                "--oversubscribe",
                "-np",
                "2",
                "-x",
                "COHORT_SECRET=" + Secrets.generate(),
                "-x",
                "MASTER_PORT=" + port,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=1",
                "-cp",
                System.getProperty("java.class.path"),
                JavaCommand.COHORT_MAIN));
    cmd.addAll(
        WorkerArgs.of(
                TrainConfig.builder()
                    .model("mlp")
                    .maxSteps(5)
                    .trainLimit(2048)
                    .testLimit(500)
                    .progress(false)
                    .runDir(dir.resolve("run"))
                    .build())
            .toList());
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("mpirun.log").toFile())
            .start();
    boolean done = p.waitFor(240, TimeUnit.SECONDS);
    if (!done) {
      p.destroyForcibly();
    }
    String log = Files.readString(dir.resolve("mpirun.log"), StandardCharsets.UTF_8);
    assertThat(done).as(log).isTrue();
    assertThat(p.exitValue()).as(log).isZero();
    assertThat(log).contains("Run summary").contains("workers                  2");
    assertThat(dir.resolve("run/summary.json")).exists();
  }
}
