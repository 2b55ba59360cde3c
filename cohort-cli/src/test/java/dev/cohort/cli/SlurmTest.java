package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.cohort.comm.EnvKeys;
import dev.cohort.comm.Secrets;
import dev.cohort.launch.WorkerArgs;
import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.train.TrainConfig;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code srun -n 2 cohort worker} on a real single-node Slurm that {@code .ci/slurm/up.sh} starts
 * on this host (and {@code down.sh} stops): the workers form a world from SLURM_PROCID and
 * SLURM_NTASKS and train, and a failing task ends the whole step through srun's {@code
 * --kill-on-bad-exit}.
 */
@Timeout(300)
class SlurmTest {
  private static final String SLURM_CONF_MARKER = "# Written by Cohort's .ci/slurm/up.sh";

  /** Set once up.sh has been run, so that down.sh also cleans up after a half-done start. */
  private static Path slurmScripts;

  @BeforeAll
  static void startSlurm() throws Exception {
    // CI installs Slurm (.ci/run); a developer machine without it skips this test.
    Assumptions.assumeTrue(
        onPath("srun") && onPath("slurmctld"), "Slurm (srun, slurmctld) is not installed");
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "up.sh writes /etc/slurm and starts daemons, which needs root");
    Path conf = Path.of("/etc/slurm/slurm.conf");
    Assumptions.assumeTrue(
        !Files.exists(conf) || Files.readAllLines(conf).contains(SLURM_CONF_MARKER),
        conf + " belongs to another Slurm installation; not touching it");
    slurmScripts = repositoryRoot().resolve(".ci/slurm");
    runScript("up.sh", Duration.ofSeconds(90));
  }

  @AfterAll
  static void stopSlurm() throws Exception {
    if (slurmScripts != null) {
      runScript("down.sh", Duration.ofSeconds(60));
    }
  }

  @Test
  void workersStartedBySrunShouldTrainTogether(@TempDir Path dir) throws Exception {
    Srun run =
        srun(2, workerCommand(dir.resolve("run")), dir.resolve("srun.log"), cohortEnvironment());

    int exit = run.await(Duration.ofSeconds(240));

    // The worker does not print where its world came from; with the variables of the other
    // launchers removed (see srun), a world of 2 can only have come from SLURM_PROCID/SLURM_NTASKS.
    String log = run.output();
    assertThat(exit).as(log).isZero();
    assertThat(log).contains("Run summary").contains("workers                  2");
    assertThat(dir.resolve("run/summary.json")).exists();
  }

  @Test
  void aFailingTaskShouldEndTheWholeStepQuickly(@TempDir Path dir) throws Exception {
    // Task 0 is a real worker: it hosts the store and waits for its peer. Task 1 waits (at most
    // 30 s) until that store listens, then fails.
    String task1 =
        "for i in $(seq 300); do"
            + " (exec 3<>/dev/tcp/127.0.0.1/$MASTER_PORT) 2>/dev/null"
            + " && { echo 'task 1: the store of rank 0 listens'; break; }; sleep 0.1; done;"
            + " echo boom >&2; exit 3";
    List<String> command =
        new ArrayList<>(
            List.of(
                "bash",
                "-c",
                "if [ \"$SLURM_PROCID\" = 1 ]; then " + task1 + "; fi; exec \"$@\"",
                "bash"));
    command.addAll(workerCommand(dir.resolve("run")));
    long start = System.nanoTime();
    Srun run = srun(2, command, dir.resolve("srun.log"), cohortEnvironment());

    int exit = run.await(Duration.ofSeconds(60));

    Duration took = Duration.ofNanos(System.nanoTime() - start);
    String log = run.output();
    assertThat(exit).as(log).isNotZero();
    assertThat(took).as(log).isLessThan(Duration.ofSeconds(30));
    assertThat(log)
        .contains("the store of rank 0 listens")
        .contains("task 1: Exited with exit code 3");
    run.assertNothingLeft(dir, Duration.ofSeconds(30));
  }

  /** Cohort's secret and a free store port, for {@link #srun}'s env. */
  private static Map<String, String> cohortEnvironment() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return Map.of(
          EnvKeys.COHORT_SECRET, Secrets.generate(), EnvKeys.MASTER_PORT, "" + s.getLocalPort());
    }
  }

  /** {@code java ... cohort worker ...} for a short MLP run, as {@link MpirunTest} starts it. */
  private static List<String> workerCommand(Path runDir) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
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
                    .runDir(runDir)
                    .build())
            .toList());
    return cmd;
  }

  /**
   * Starts {@code srun -n n command} as a job of its own (a fresh job name), with srun's and
   * Slurm's messages and every task's output in {@code log}. The tasks see this JVM's environment
   * plus {@code env} (values must not contain commas: {@code --export} splits on them), minus the
   * variables of other launchers, so a Cohort worker can only take its world from Slurm. Tasks may
   * outnumber the node's CPUs ({@code --overcommit}), and a task that exits non-zero ends the step.
   */
  static Srun srun(int n, List<String> command, Path log, Map<String, String> env)
      throws IOException {
    String job = "cohort-test-" + UUID.randomUUID().toString().substring(0, 8);
    StringBuilder export = new StringBuilder("ALL");
    env.forEach(
        (k, v) -> {
          if (v.contains(",")) {
            throw new IllegalArgumentException("srun --export cannot pass a comma: " + k + "=" + v);
          }
          export.append(',').append(k).append('=').append(v);
        });
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "srun",
                "--job-name=" + job,
                "--ntasks=" + n,
                "--overcommit",
                "--kill-on-bad-exit=1",
                "--input=none",
                // Slurm's own bound, in minutes, behind the test's waitFor.
                "--time=5",
                "--export=" + export));
    cmd.addAll(command);
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(log.toFile());
    for (String other :
        List.of(
            EnvKeys.RANK,
            EnvKeys.WORLD_SIZE,
            EnvKeys.LOCAL_RANK,
            EnvKeys.COHORT_LAUNCHER_STORE,
            EnvKeys.OMPI_COMM_WORLD_RANK,
            EnvKeys.OMPI_COMM_WORLD_SIZE,
            EnvKeys.OMPI_COMM_WORLD_LOCAL_RANK)) {
      pb.environment().remove(other);
    }
    return new Srun(pb.start(), job, log);
  }

  /** One srun: its process, its Slurm job name and the log it writes. */
  record Srun(Process process, String job, Path log) {

    /**
     * Waits for srun to end and returns its exit status; after {@code timeout} it kills srun and
     * its children, cancels the job, and fails with the log.
     */
    int await(Duration timeout) throws Exception {
      if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        return process.exitValue();
      }
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      command(Duration.ofSeconds(30), "scancel", "--name=" + job);
      process.waitFor(10, TimeUnit.SECONDS);
      return fail("srun did not end within " + timeout + "; its log:\n" + output());
    }

    String output() throws IOException {
      return Files.readString(log, StandardCharsets.UTF_8);
    }

    /**
     * Asserts that Slurm forgets the job within {@code timeout} and that no process whose command
     * line names {@code dir} (the tasks' run folder is in it) is still alive.
     */
    void assertNothingLeft(Path dir, Duration timeout) throws Exception {
      long deadline = System.nanoTime() + timeout.toNanos();
      String queued;
      List<String> alive;
      do {
        queued = command(Duration.ofSeconds(10), "squeue", "--noheader", "--name=" + job).strip();
        alive =
            ProcessHandle.allProcesses()
                .filter(
                    p -> p.info().commandLine().map(c -> c.contains(dir.toString())).orElse(false))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                .toList();
        if (queued.isEmpty() && alive.isEmpty()) {
          return;
        }
        Thread.sleep(200);
      } while (System.nanoTime() < deadline);
      fail(
          "after "
              + timeout
              + " job "
              + job
              + " is still queued ("
              + queued
              + ") or has processes alive "
              + alive
              + "; srun's log:\n"
              + output());
    }
  }

  /** Runs {@code .ci/slurm/<script>}, failing with its output unless it exits 0 in time. */
  private static void runScript(String script, Duration timeout) throws Exception {
    command(timeout, "bash", slurmScripts.resolve(script).toString());
  }

  /**
   * Runs a short command and returns its output; fails with the output on a non-zero exit or after
   * {@code timeout}.
   */
  private static String command(Duration timeout, String... cmd) throws Exception {
    Path log = Files.createTempFile("slurm-test-command", ".log");
    Process p =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (!done) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    p.waitFor(5, TimeUnit.SECONDS);
    String out = Files.readString(log, StandardCharsets.UTF_8);
    Files.delete(log);
    if (!done || p.exitValue() != 0) {
      fail(
          String.join(" ", cmd)
              + (done ? " exited " + p.exitValue() : " ran over " + timeout)
              + ":\n"
              + out);
    }
    return out;
  }

  private static boolean onPath(String tool) {
    String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/bin";
    for (String d : path.split(File.pathSeparator)) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
        return true;
      }
    }
    return false;
  }

  /** The checkout's root: the nearest folder above the working directory that has .ci/slurm. */
  private static Path repositoryRoot() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve(".ci/slurm/up.sh"))) {
        return d;
      }
    }
    return fail("no .ci/slurm/up.sh above " + Path.of("").toAbsolutePath());
  }
}
