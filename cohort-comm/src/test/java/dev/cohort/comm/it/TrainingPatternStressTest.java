package dev.cohort.comm.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.comm.CommConfig.TransportKind;
import dev.cohort.comm.Secrets;
import dev.cohort.comm.ThreadWorld;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The collectives of a SyncBatchNorm data-parallel training step ({@link TrainingPattern}) over and
 * over, every result checked exactly, while busy threads compete for the cores and every rank
 * pauses a random while before each call: ranks as separate processes on one host (shared memory,
 * as the launcher runs them; also with a 4 KiB ring, so that messages wrap and fill it), and as
 * threads of this JVM.
 *
 * <p>Sized to run in seconds. For a soak run, {@code -Dcohort.stress.steps=5000} (each step is 9 or
 * 10 collectives); {@code TrainingPatternWorker} can also be started by hand. Checked against
 * deliberately broken builds: without the shared-memory all-reduce's entry agreement or exit
 * barrier, or with a blocking call run on the caller's thread while the comm thread is still busy,
 * it fails within the first three steps; a ring writer that publishes its tail before copying the
 * bytes fails most runs of one case, and a reader that frees ring space before consuming it fails
 * the 4 KiB-ring case.
 */
@Timeout(180)
class TrainingPatternStressTest {
  private static final int STEPS = Integer.getInteger("cohort.stress.steps", 150);
  private final List<Process> procs = new ArrayList<>();

  @AfterEach
  void killAll() {
    procs.forEach(Process::destroyForcibly);
  }

  @ParameterizedTest(name = "{0} processes over {1}, ring {2} bytes")
  @CsvSource({"2, SHM, 1048576", "3, SHM, 1048576", "2, SHM, 4096"})
  void everyCollectiveOfEveryStepShouldBeExact(
      int size, TransportKind transport, int ringBytes, @TempDir Path dir) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String secret = Secrets.generate();
    List<Path> stdout = new ArrayList<>();
    List<Path> stderr = new ArrayList<>();
    for (int r = 0; r < size; r++) {
      ProcessBuilder pb =
          new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-Xmx256m",
              "-cp",
              System.getProperty("java.class.path"),
              TrainingPatternWorker.class.getName(),
              Integer.toString(r),
              Integer.toString(size),
              Integer.toString(port),
              Integer.toString(STEPS),
              "1",
              "true");
      pb.environment().put("COHORT_SECRET", secret);
      pb.environment().put("COHORT_TRANSPORT", transport.name());
      pb.environment().put("COHORT_SHM_RING_BYTES", Integer.toString(ringBytes));
      pb.environment().put("COHORT_TIMEOUT_MS", "60000");
      Path out = dir.resolve("rank" + r + ".out");
      Path err = dir.resolve("rank" + r + ".err");
      pb.redirectOutput(out.toFile()).redirectError(err.toFile());
      procs.add(pb.start());
      stdout.add(out);
      stderr.add(err);
    }
    for (int r = 0; r < size; r++) {
      assertThat(procs.get(r).waitFor(150, TimeUnit.SECONDS)).as("rank %d finished", r).isTrue();
    }
    List<String> report = new ArrayList<>();
    for (int r = 0; r < size; r++) {
      report.add(
          "rank "
              + r
              + " exit "
              + procs.get(r).exitValue()
              + ": "
              + Files.readString(stdout.get(r)).strip()
              + " "
              + Files.readString(stderr.get(r)).strip());
    }
    System.out.println(String.join("\n", report));
    for (int r = 0; r < size; r++) {
      assertThat(procs.get(r).exitValue()).as("%s", report).isZero();
      assertThat(Files.readString(stdout.get(r)))
          .as("%s", report)
          .startsWith("OK ")
          .contains(transport.name());
    }
  }

  @Test
  void threadRanksShouldAgreeExactlyToo() throws Exception {
    List<Thread> busy = TrainingPattern.busy(1);
    try (ThreadWorld w = new ThreadWorld(ThreadWorld.config(TransportKind.SHM))) {
      List<Long> calls =
          w.run(
              2,
              pg -> {
                TrainingPattern pattern = new TrainingPattern(pg, true);
                pattern.run(0, STEPS);
                return pattern.calls();
              });
      assertThat(calls).allSatisfy(c -> assertThat(c).isGreaterThan((long) STEPS * 9));
    } finally {
      busy.forEach(Thread::interrupt);
    }
  }
}
