package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.train.metrics.MetricsCsv;
import dev.cohort.train.metrics.StepRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * SIGKILL a worker in the middle of a run: the launcher restarts the whole world from the newest
 * checkpoint, and the run ends in exactly the state of a run that was never interrupted. The model
 * has dropout, so this holds only because every rank's random stream resumes too.
 */
@Timeout(300)
class RestartTest {

  @Test
  void aKilledWorkerShouldBeRestartedFromTheLastCheckpointWithNothingElseLost(@TempDir Path dir)
      throws Exception {
    Path straight = dir.resolve("straight");
    Path killed = dir.resolve("killed");
    assertThat(train(straight, 0)).isZero();
    CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> train(killed, 2));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    Path metrics = killed.resolve("metrics.csv");
    while (!(Files.exists(metrics) && Files.readAllLines(metrics).size() > 25)) {
      assertThat(System.nanoTime()).as("training under way").isLessThan(deadline);
      Thread.sleep(50);
    }
    ProcessHandle victim =
        ProcessHandle.current()
            .descendants()
            .filter(p -> p.info().command().orElse("").endsWith("java"))
            .findFirst()
            .orElseThrow();
    victim.destroyForcibly();
    assertThat(run.get(240, TimeUnit.SECONDS)).isZero();
    ObjectMapper json = new ObjectMapper();
    String a =
        json.readTree(straight.resolve("checkpoints/ckpt-000000060/manifest.json").toFile())
            .get("state_sha256")
            .asText();
    String b =
        json.readTree(killed.resolve("checkpoints/ckpt-000000060/manifest.json").toFile())
            .get("state_sha256")
            .asText();
    assertThat(b).as("final parameters and optimizer state, bit for bit").isEqualTo(a);
    assertThat(Files.readString(killed.resolve("rank-0.log"))).contains("Cohort training");
    // The records describe the whole run: the restart, from which step, and each step once.
    JsonNode segments = json.readTree(killed.resolve("summary.json").toFile()).get("segments");
    assertThat(segments).hasSize(2);
    assertThat(segments.at("/0/reason").asText()).isEqualTo("fresh");
    assertThat(segments.at("/1/reason").asText()).isEqualTo("restart");
    long resumedAt = segments.at("/1/start_step").asLong();
    assertThat(resumedAt % 10).isZero();
    assertThat(segments.at("/0/end_step").asLong()).isGreaterThanOrEqualTo(Math.max(25, resumedAt));
    assertThat(segments.at("/1/end_step").asLong()).isEqualTo(60);
    assertThat(MetricsCsv.read(metrics).stream().map(StepRecord::step))
        .containsExactlyElementsOf(IntStream.range(0, 60).boxed().toList());
    assertThat(Files.readString(killed.resolve("rank-0.log")))
        .contains("resumed from step " + resumedAt + " (checkpoint ");
    assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive).toList())
        .isEmpty();
  }

  private static int train(Path dir, int maxRestarts) {
    return new CommandLine(new Main())
        .execute(
            "train",
            "--nproc",
            "2",
            "--model",
            "mlp-dropout",
            "--batch",
            "32",
            "--seed",
            "5",
            "--train-limit",
            "4096",
            "--test-limit",
            "500",
            "--max-steps",
            "60",
            "--checkpoint-every",
            "10",
            "--max-restarts",
            "" + maxRestarts,
            "--no-progress",
            "--threads",
            "1",
            "--run-dir",
            dir.toString());
  }
}
