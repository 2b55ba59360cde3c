package dev.cohort.train.ddp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ProcessGroups;
import dev.cohort.comm.Secrets;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.data.FashionMnist;
import dev.cohort.train.data.InMemoryDataset;
import dev.cohort.train.metrics.MetricsCsv;
import dev.cohort.train.metrics.RunListener;
import dev.cohort.train.metrics.StepRecord;
import dev.cohort.train.model.Models;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Steps reach metrics.csv from the listener thread, behind training. A run restarted from a
 * checkpoint appends to metrics.csv from the checkpoint's step, so every step a checkpoint holds
 * must be in metrics.csv before that checkpoint is written, however slow the listeners are.
 */
@Timeout(120)
class CheckpointedMetricsTest {

  @Test
  void everyStepOfACheckpointShouldBeToldBeforeTheCheckpointIsWritten(@TempDir Path dir)
      throws Exception {
    System.setProperty("ai.djl.offline", "true");
    Path run = dir.resolve("run");
    TrainConfig cfg =
        TrainConfig.builder()
            .model("mlp")
            .seed(3)
            .batch(32)
            .trainLimit(32 * 30)
            .testLimit(100)
            .maxSteps(30)
            .checkpointEvery(5)
            .progress(false)
            .runDir(run)
            .build();
    List<String> early = new CopyOnWriteArrayList<>();
    // A listener far slower than a step: without the flush, checkpoints overtake it.
    RunListener slow =
        new RunListener() {
          @Override
          public void onStep(StepRecord r, int batchInEpoch, int batchesPerEpoch) {
            long done = r.step() + 1;
            for (long c : checkpointSteps(run.resolve("checkpoints"))) {
              if (c > done) {
                early.add("checkpoint " + c + " existed when step " + done + " was told");
              }
            }
            sleep(20);
          }
        };
    InMemoryDataset train = FashionMnist.load(FashionMnist.DEFAULT_DIR, true);
    InMemoryDataset test = FashionMnist.load(FashionMnist.DEFAULT_DIR, false);
    try (ProcessGroup pg =
            ProcessGroups.init(
                CommConfig.defaults(Secrets.generate()),
                new ProcessGroups.Init("127.0.0.1", 0, 0, 1, 0, true));
        DistributedTrainer.Result r =
            DistributedTrainer.builder(pg)
                .config(cfg)
                .model(() -> Models.byName("mlp", train.classes()))
                .listener(slow)
                .build()
                .train(train, test)) {
      assertThat(r.steps()).isEqualTo(30);
    }
    assertThat(early).isEmpty();
    assertThat(MetricsCsv.read(run.resolve(MetricsCsv.FILE)).stream().map(StepRecord::step))
        .containsExactlyElementsOf(IntStream.range(0, 30).boxed().toList());
  }

  private static List<Long> checkpointSteps(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> n.matches("ckpt-\\d+"))
          .map(n -> Long.parseLong(n.substring("ckpt-".length())))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
