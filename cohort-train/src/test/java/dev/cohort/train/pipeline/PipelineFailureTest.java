package dev.cohort.train.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cohort.comm.CommConfig;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ProcessGroups;
import dev.cohort.comm.Secrets;
import dev.cohort.comm.store.StoreServer;
import dev.cohort.comm.store.TcpStore;
import dev.cohort.train.data.text.CharVocabulary;
import dev.cohort.train.model.gpt.Gpt;
import dev.cohort.train.model.gpt.GptConfig;
import dev.cohort.train.model.gpt.SequenceLoss;
import dev.cohort.train.pipeline.schedule.Schedule;
import dev.cohort.train.pipeline.schedule.Schedules;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A pipeline whose ranks disagree fails with the rank, stage, micro-batch and action named, and
 * fails within the communication timeout rather than hanging.
 */
@Timeout(120)
class PipelineFailureTest {
  private static final byte[] SECRET = Secrets.generate().getBytes(StandardCharsets.UTF_8);
  private static final GptConfig CFG = new GptConfig(CharVocabulary.SIZE, 8, 2, 2, 16, 0);

  /** Runs one step of a 2-rank 1F1B pipeline, each rank's GPT of the width {@code widths} gives. */
  private static List<String> run(Function<Integer, Integer> widths) throws Exception {
    return run(widths, Schedules.oneForwardOneBackward(2, 2), 1, 1 << 20);
  }

  /**
   * Runs one step of {@code schedule} on 2 ranks, micro-batches of {@code rows} sequences,
   * shared-memory rings of {@code ringBytes}.
   */
  private static List<String> run(
      Function<Integer, Integer> widths, Schedule schedule, int rows, int ringBytes)
      throws Exception {
    CommConfig cfg =
        CommConfig.defaults(SECRET).toBuilder()
            .timeout(Duration.ofSeconds(5))
            .shmRingBytes(ringBytes)
            .build();
    int stages = schedule.layout().stages();
    List<String> out = new ArrayList<>();
    try (StoreServer server = StoreServer.start("127.0.0.1", 0, SECRET, 1 << 20)) {
      List<CompletableFuture<String>> ranks = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        int rank = r;
        ranks.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try (TcpStore store =
                          TcpStore.connect(
                              "127.0.0.1", server.port(), SECRET, Duration.ofSeconds(10), 1 << 20);
                      ProcessGroup world = ProcessGroups.join(cfg, store, rank, 2, 0);
                      PipelineGroups groups = PipelineGroups.split(world, 2);
                      NDManager m = NDManager.newBaseManager()) {
                    GptConfig mine =
                        new GptConfig(CharVocabulary.SIZE, 8, 2, 2, widths.apply(rank), 0);
                    StagedModel model =
                        new StagedModel(
                            Gpt.build(mine),
                            stages == 2
                                ? new StagePartition(new int[] {0, 3}, 5)
                                : new StagePartition(new int[] {0, 2, 3, 4}, 5),
                            new Shape(rows, 8));
                    PipelineRank pipe =
                        new PipelineRank(
                            groups,
                            schedule,
                            model,
                            new PipelineRank.Settings(new SequenceLoss(), 1, "sgd"),
                            m);
                    List<NDArray> in = new ArrayList<>();
                    for (int k = 0; k < schedule.microBatches(); k++) {
                      in.add(m.zeros(new Shape(rows, 8)));
                    }
                    pipe.step(new PipelineRank.MicroBatches(in, in), 0.1f);
                    return "rank " + rank + ": ok";
                  } catch (RuntimeException e) {
                    return e.getMessage();
                  }
                }));
      }
      for (CompletableFuture<String> f : ranks) {
        out.add(f.get(60, TimeUnit.SECONDS));
      }
    }
    return out;
  }

  @Test
  void stagesThatDisagreeOnTheActivationShapeShouldBeNamedNotHang() throws Exception {
    long t0 = System.nanoTime();
    // Rank 1 was built for a wider model: rank 0 sends (1, 8, 16), rank 1 expects (1, 8, 32).
    List<String> results = run(rank -> rank == 0 ? 16 : 32);
    assertThat(results.get(1))
        .startsWith("pipeline rank 1, stage 1, micro-batch 0, action 1RECV_F0: ")
        .contains("of 512 bytes where this rank expected", "of 1024 bytes");
    // Rank 0 learns it from the failure of its peer, at the receive that would have waited.
    assertThat(results.get(0))
        .startsWith("pipeline rank 0, stage 0, micro-batch 0, action 0RECV_B0: ")
        .contains("lost peer rank 1");
    assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(30));
  }

  @Test
  void aPipelineThatAgreesShouldRunTheStep() throws Exception {
    assertThat(run(rank -> 16)).containsExactly("rank 0: ok", "rank 1: ok");
  }

  @Test
  void activationsLargerThanTheRingsShouldNotDeadlockWhenNeighboursSendAtOnce() throws Exception {
    // 16 x 8 x 16 floats = 8 KiB per activation, rings of 4 KiB: a send completes only as its
    // receiver drains it. In 1F1B's steady state, and in interleaved 1F1B's warm-up, two
    // neighbours send to each other at the same time.
    int rows = 16;
    assertThat(run(rank -> 16, Schedules.oneForwardOneBackward(2, 4), rows, 4096))
        .containsExactly("rank 0: ok", "rank 1: ok");
    assertThat(run(rank -> 16, Schedules.interleaved(2, 2, 4), rows, 4096))
        .containsExactly("rank 0: ok", "rank 1: ok");
  }
}
