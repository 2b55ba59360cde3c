package dev.cohort.train.split;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.comm.CommConfig;
import dev.cohort.train.LayerSplit;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.data.text.Fortunes;
import dev.cohort.train.data.text.TextCorpus;
import dev.cohort.train.metrics.ListenerThread;
import dev.cohort.train.metrics.RunListener;
import dev.cohort.train.pipeline.LanguageModelTrainer;
import dev.cohort.train.tensor.TensorRanks;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SplitTrainer on ranks as threads: rank 0 warns of tensor parallelism over TCP, a stop on request
 * ends training on every rank after the same step, and the groups are consecutive ranks.
 */
@Timeout(120)
class SplitTrainerTest {
  private static TextCorpus corpus;

  @BeforeAll
  static void readTheText() throws Exception {
    System.setProperty("ai.djl.offline", "true");
    corpus = Fortunes.load(Fortunes.DEFAULT_DIR);
  }

  private static TrainConfig config(LayerSplit split, int steps) {
    return TrainConfig.builder()
        .model("gpt-tiny")
        .batch(2)
        .maxSteps(steps)
        .testLimit(4)
        .generate(0)
        .progress(false)
        .split(split)
        .build();
  }

  private record Ran(String log, int steps, int stoppedAt) {}

  private static List<Ran> train(
      int workers, TrainConfig cfg, CommConfig.TransportKind transport, boolean stop)
      throws Exception {
    return TensorRanks.run(
        workers,
        transport,
        world -> {
          ByteArrayOutputStream bytes = new ByteArrayOutputStream();
          try (ListenerThread events = new ListenerThread(new RunListener() {})) {
            LanguageModelTrainer.Result r =
                new SplitTrainer(
                        world,
                        cfg,
                        events,
                        new PrintStream(bytes, true, StandardCharsets.UTF_8),
                        () -> stop && world.rank() == 1)
                    .train(corpus);
            return new Ran(bytes.toString(StandardCharsets.UTF_8), r.steps(), r.stoppedAtStep());
          }
        });
  }

  @Test
  void tensorParallelismOverTcpShouldBeWarnedOfByRankZero() throws Exception {
    LayerSplit tensor = new LayerSplit(2, 0, 1, 1.25, 0.01, 0);
    List<Ran> tcp = train(2, config(tensor, 2), CommConfig.TransportKind.TCP, false);
    assertThat(tcp.get(0).log())
        .contains("warning: tensor parallelism over TCP (a tensor group's ranks reach each other");
    assertThat(tcp.get(1).log()).isEmpty();
    List<Ran> shm = train(2, config(tensor, 2), CommConfig.TransportKind.AUTO, false);
    assertThat(shm.get(0).log()).doesNotContain("warning");
  }

  @Test
  void aStopAskedOfOneRankShouldEndEveryRankAfterTheSameStep() throws Exception {
    LayerSplit experts = new LayerSplit(1, 2, 1, 1.25, 0.01, 0);
    List<Ran> ran = train(2, config(experts, 40), CommConfig.TransportKind.AUTO, true);
    for (Ran r : ran) {
      assertThat(r.stoppedAt()).isEqualTo(SplitEpochs.STOP_CHECK_EVERY);
      assertThat(r.steps()).isEqualTo(SplitEpochs.STOP_CHECK_EVERY);
    }
  }
}
