package dev.cohort.train.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.train.TrainConfig;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RankStepsTest {
  @TempDir Path dir;

  private static StepRecord step(int step, float loss) {
    return new StepRecord(
        step, 0, loss, 64, 1_000_000, 2_000_000, 500_000, 250_000, 750_000, 5_000_000);
  }

  private static RunListener.Start start(TrainConfig cfg, long startStep) {
    return new RunListener.Start(cfg, 2, 10, List.of(), "data", startStep);
  }

  @Test
  void eachStepIsALineWithItsTimeMemoryAndBytesFlushedAtOnce() throws Exception {
    AtomicLong sent = new AtomicLong(100);
    RankSteps steps = new RankSteps(dir, 3, () -> 7L << 20, sent::get);
    steps.onStart(start(TrainConfig.defaults(), 0));
    long before = System.currentTimeMillis();
    steps.onStep(step(0, 2.5f), 1, 10);
    sent.set(250);
    steps.onStep(step(1, Float.NaN), 2, 10);
    Path file = RankSteps.file(dir, 3);
    List<String> lines = Files.readAllLines(file); // before close: each line is flushed
    assertThat(lines.get(0)).startsWith("# rank 3, started 20");
    assertThat(lines.get(1)).isEqualTo(String.join(",", RankSteps.COLUMNS));
    assertThat(lines).hasSize(4);
    String[] first = lines.get(2).split(",");
    assertThat(Long.parseLong(first[0])).isBetween(before, System.currentTimeMillis());
    assertThat(lines.get(2))
        .endsWith(",0,0,2.500000,64,1.000,2.000,0.500,0.250,0.750,5.000,7340032,100");
    assertThat(lines.get(3)).contains(",1,0,NaN,64,").endsWith(",250");
    assertThat(Files.getPosixFilePermissions(file))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    steps.close();
  }

  @Test
  void aFreshStartEmptiesTheFileAResumeAppends() throws Exception {
    RankSteps first = new RankSteps(dir, 0, () -> 1, () -> 0);
    first.onStart(start(TrainConfig.defaults(), 0));
    first.onStep(step(0, 1), 1, 10);
    first.onStep(step(1, 1), 2, 10);
    first.close();

    TrainConfig resumed = TrainConfig.defaults().toBuilder().resumeFrom(dir).build();
    RankSteps second = new RankSteps(dir, 0, () -> 1, () -> 0);
    second.onStart(start(resumed, 1));
    second.onStep(step(1, 0.5f), 1, 10);
    second.close();
    // the comment and the header once, then 3 steps
    assertThat(Files.readAllLines(RankSteps.file(dir, 0))).hasSize(5);

    RankSteps fresh = new RankSteps(dir, 0, () -> 1, () -> 0);
    fresh.onStart(start(TrainConfig.defaults(), 0));
    fresh.close();
    assertThat(Files.readAllLines(RankSteps.file(dir, 0))).hasSize(2);
  }

  @Test
  void aFolderThatCannotBeWrittenStopsTheStartNamingTheFile() throws Exception {
    Files.writeString(dir.resolve("ranks"), "a file where the folder belongs");
    RankSteps steps = new RankSteps(dir, 0, () -> 1, () -> 0);
    assertThatThrownBy(() -> steps.onStart(start(TrainConfig.defaults(), 0)))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("cannot write " + RankSteps.file(dir, 0));
  }
}
