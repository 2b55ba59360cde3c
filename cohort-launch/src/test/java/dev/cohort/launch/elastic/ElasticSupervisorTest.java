package dev.cohort.launch.elastic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.launch.local.Outcome;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElasticSupervisorTest {
  private final StringWriter err = new StringWriter();
  private final List<String> attempts = new ArrayList<>();

  private ElasticSupervisor.Attempt failing(int failures) {
    return (generation, workers, batch, resume) -> {
      attempts.add(generation + ":" + workers + "x" + batch + (resume == null ? "" : "+resume"));
      return attempts.size() <= failures
          ? new Outcome(9, 1, "rank 1 died")
          : new Outcome(0, -1, "ok");
    };
  }

  @Test
  void aSucceedingRunShouldStartOnce(@TempDir Path dir) throws Exception {
    int code =
        new ElasticSupervisor(WorkerRange.parse("2"), 3, dir, new PrintWriter(err))
            .supervise(32, null, failing(0));
    assertThat(code).isZero();
    assertThat(attempts).containsExactly("0:2x32");
  }

  @Test
  void aFailedRunShouldRestartInANewGenerationUpToTheLimit(@TempDir Path dir) throws Exception {
    int code =
        new ElasticSupervisor(WorkerRange.parse("2"), 2, dir, new PrintWriter(err))
            .supervise(32, null, failing(5));
    assertThat(code).isEqualTo(1);
    assertThat(attempts).containsExactly("0:2x32", "1:2x32", "2:2x32");
    assertThat(err.toString())
        .contains("rank 1 died")
        .contains("restarting with 2 workers (restart 1 of 2), from scratch (no checkpoint yet)");
  }

  @Test
  void anElasticRunShouldShrinkKeepingTheGlobalBatch(@TempDir Path dir) throws Exception {
    int code =
        new ElasticSupervisor(WorkerRange.parse("2:4"), 5, dir, new PrintWriter(err))
            .supervise(24, null, failing(2));
    assertThat(code).isZero();
    assertThat(attempts).containsExactly("0:4x24", "1:3x32", "2:2x48");
  }

  @Test
  void anElasticRunShouldStopBelowItsMinimum(@TempDir Path dir) throws Exception {
    int code =
        new ElasticSupervisor(WorkerRange.parse("2:2"), 5, dir, new PrintWriter(err))
            .supervise(32, null, failing(9));
    assertThat(code).isEqualTo(1);
    assertThat(attempts).hasSize(1);
    assertThat(err.toString())
        .contains("fewer than the minimum 2")
        .contains("Checkpoints are intact");
  }

  @Test
  void aGlobalBatchThatCannotBeSplitShouldStopTheRun(@TempDir Path dir) throws Exception {
    int code =
        new ElasticSupervisor(WorkerRange.parse("1:3"), 5, dir, new PrintWriter(err))
            .supervise(5, null, failing(9));
    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("global batch 15 cannot be split evenly over 2 workers");
  }

  @Test
  void badWorkerCountsShouldBeRefusedWithTheOption() {
    assertThatThrownBy(() -> WorkerRange.parse("x"))
        .hasMessage("--nproc must be N or MIN:MAX, got x");
    assertThatThrownBy(() -> WorkerRange.parse("0"))
        .hasMessageContaining("--nproc must be between 1");
    assertThatThrownBy(() -> WorkerRange.parse("3:2")).hasMessageContaining("MIN <= MAX");
    assertThatThrownBy(
            () ->
                new ElasticSupervisor(
                    WorkerRange.parse("2"), -1, Path.of("."), new PrintWriter(new StringWriter())))
        .hasMessageContaining("--max-restarts must be >= 0");
  }
}
