package dev.cohort.launch.spawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.comm.Secrets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class RankSpawnerTest {

  private static List<String> sh(String script) {
    return List.of("/bin/sh", "-c", script);
  }

  private static List<ProcessHandle> liveChildren() {
    return ProcessHandle.current().children().filter(ProcessHandle::isAlive).toList();
  }

  @Test
  void everyRankShouldSeeItsWorldEnvironment(@TempDir Path dir) throws Exception {
    String secret = Secrets.generate();
    WorldAddress world = new WorldAddress("127.0.0.1", 29512, 3, 4, secret, true);
    try (RankProcesses procs =
        RankSpawner.of(3)
            .command(
                r ->
                    sh(
                        "echo $RANK/$WORLD_SIZE/$LOCAL_RANK $MASTER_ADDR:$MASTER_PORT "
                            + "g$COHORT_GENERATION $COHORT_SECRET $COHORT_LAUNCHER_STORE $EXTRA"))
            .world(world)
            .environment(Map.of("EXTRA", "x"))
            .logs(r -> dir.resolve("rank-" + r + ".log"))
            .start()) {
      procs.awaitSuccess("echo", Duration.ofSeconds(20));
    }
    assertThat(Files.readString(dir.resolve("rank-2.log")).strip())
        .isEqualTo("2/3/2 127.0.0.1:29512 g4 " + secret + " 1 x");
  }

  @Test
  void aFailingRankShouldBeNamedWithItsStatusAndLastLinesAndTheOthersStopped(@TempDir Path dir)
      throws Exception {
    try (RankProcesses procs =
        RankSpawner.of(2)
            .command(r -> r == 1 ? sh("echo going down; exit 3") : sh("sleep 60"))
            .logs(r -> dir.resolve("rank-" + r + ".log"))
            .start()) {
      assertThatThrownBy(() -> procs.awaitSuccess("the drill", Duration.ofSeconds(1)))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("the drill: rank 0 did not finish within 1 s");
    }
    assertThat(liveChildren()).as("orphans").isEmpty();
    try (RankProcesses procs =
        RankSpawner.of(2)
            .command(r -> r == 0 ? sh("echo going down; exit 3") : sh("sleep 60"))
            .logs(r -> dir.resolve("b-" + r + ".log"))
            .start()) {
      assertThatThrownBy(() -> procs.awaitSuccess("the drill", Duration.ofSeconds(20)))
          .hasMessageContaining("rank 0 exited with status 3")
          .hasMessageContaining("| going down");
    }
    assertThat(liveChildren()).as("orphans").isEmpty();
  }

  @Test
  void aRankThatCannotStartShouldStopTheRanksAlreadyStarted(@TempDir Path dir) {
    assertThatThrownBy(
            () ->
                RankSpawner.of(3)
                    .command(
                        r ->
                            r == 2
                                ? List.of(dir.resolve("no-such-program").toString())
                                : sh("sleep 60"))
                    .start())
        .isInstanceOf(IOException.class);
    assertThat(liveChildren()).as("orphans").isEmpty();
  }

  @Test
  void stopShouldKillRanksThatIgnoreSigterm() throws Exception {
    try (RankProcesses procs =
        RankSpawner.of(1).command(r -> sh("trap '' TERM; sleep 60 & wait; sleep 60")).start()) {
      Thread.sleep(200);
      long t0 = System.nanoTime();
      procs.stop(Duration.ofMillis(300));
      assertThat(procs.get(0).isAlive()).isFalse();
      assertThat((System.nanoTime() - t0) / 1e9).isLessThan(10);
    }
  }

  @Test
  void aWorldWithoutASecretOrWithTheWrongSizeShouldBeRefused() {
    assertThatThrownBy(() -> new WorldAddress("h", 1, 2, 0, "", false))
        .hasMessageContaining("secret");
    assertThatThrownBy(
            () ->
                RankSpawner.of(2).world(new WorldAddress("h", 1, 3, 0, Secrets.generate(), false)))
        .hasMessageContaining("world size 3 != 2 ranks");
  }

  @Test
  void aFailureReportShouldSayWhenARankWroteNothing(@TempDir Path dir) throws Exception {
    Path empty = Files.writeString(dir.resolve("rank-1.log"), "\n  \n");
    assertThat(RankProcesses.tail(empty, 1)).isEqualTo("  (rank 1 wrote nothing)\n");
    assertThat(RankProcesses.tail(dir.resolve("rank-2.log"), 2))
        .isEqualTo("  (rank 2 wrote nothing)\n");
    Path some = Files.writeString(dir.resolve("rank-3.log"), "started\n\nepoch 1\n");
    assertThat(RankProcesses.tail(some, 3)).isEqualTo("  | started\n  | epoch 1\n");
  }
}
