package dev.cohort.train.ddp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import dev.cohort.comm.CommConfig;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ProcessGroups;
import dev.cohort.comm.Secrets;
import dev.cohort.comm.store.StoreServer;
import dev.cohort.comm.store.TcpStore;
import dev.cohort.train.BufferSync;
import dev.cohort.train.model.Models;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Broadcast makes the model state identical; a rank whose parameters or buffers drift is named with
 * the first differing tensor, and buffer synchronization brings buffers back together. Two ranks as
 * threads: no gradients are collected, so DJL allows it.
 */
@Timeout(120)
class StateSyncTest {
  private static final byte[] SECRET = Secrets.generate().getBytes(StandardCharsets.UTF_8);

  @Test
  void broadcastShouldEqualizeAndAChangedRankShouldBeNamed() throws Exception {
    System.setProperty("ai.djl.offline", "true");
    CommConfig cfg =
        CommConfig.defaults(SECRET).toBuilder().timeout(Duration.ofSeconds(30)).build();
    try (StoreServer server = StoreServer.start("127.0.0.1", 0, SECRET, 1 << 20)) {
      List<CompletableFuture<String>> ranks = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        int rank = r;
        ranks.add(CompletableFuture.supplyAsync(() -> run(cfg, server, rank)));
      }
      for (CompletableFuture<String> f : ranks) {
        assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo("ok");
      }
    }
  }

  private static String run(CommConfig cfg, StoreServer server, int rank) {
    try (TcpStore store =
            TcpStore.connect("127.0.0.1", server.port(), SECRET, Duration.ofSeconds(10), 1 << 20);
        ProcessGroup pg = ProcessGroups.join(cfg, store, rank, 2, 0);
        Model model = Model.newInstance("r" + rank)) {
      model.setBlock(Models.cnnBatchNorm(10));
      try (Trainer trainer =
          model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()))) {
        synchronized (Engine.class) { // different seeds: the ranks start out different
          Engine.getInstance().setRandomSeed(100 + rank);
          trainer.initialize(new Shape(1, 1, 28, 28));
        }
        ModelState state = ModelState.of(model.getBlock());
        assertThat(state.size()).isEqualTo(16);
        assertThat(state.buffers()).hasSize(4);
        assertThatThrownBy(() -> StateSync.verifyIdentical(pg, state, "before the broadcast"))
            .isInstanceOf(DivergenceException.class)
            .hasMessageContaining("ranks [1]");
        StateSync.broadcastFromRank0(pg, state);
        StateSync.verifyIdentical(pg, state, "after the broadcast");
        ModelState.Entry weight = state.parameters().get(2);
        ByteBuffer w = weight.view();
        float saved = w.getFloat(40);
        if (rank == 1) {
          // One bit of one weight of the second convolution goes astray on rank 1.
          w.putFloat(40, Math.nextUp(saved));
        }
        assertThatThrownBy(() -> StateSync.verifyIdentical(pg, state, "after step 7"))
            .isInstanceOf(DivergenceException.class)
            .hasMessageContaining("after step 7")
            .hasMessageContaining("ranks [1] differ from rank 0")
            .hasMessageContaining(weight.describe(16));
        w.putFloat(40, saved);
        // A buffer (the second BatchNorm's running mean) drifts on rank 1: caught and named too.
        ModelState.Entry mean = state.buffers().get(2);
        assertThat(mean.path()).endsWith("BatchNorm_runningMean");
        ByteBuffer m = mean.view();
        m.putFloat(0, rank == 1 ? 0.5f : 0.25f);
        assertThatThrownBy(() -> StateSync.verifyIdentical(pg, state, "at the end of training"))
            .isInstanceOf(DivergenceException.class)
            .hasMessageContaining("ranks [1] differ from rank 0, first at buffer " + mean.path());
        // Averaging makes the buffers agree on the mean; broadcasting on rank 0's values.
        new Buffers(pg, BufferSync.AVERAGE, state).sync();
        assertThat(m.getFloat(0)).isEqualTo(0.375f);
        m.putFloat(0, rank == 1 ? 0.5f : 0.25f);
        new Buffers(pg, BufferSync.BROADCAST, state).sync();
        assertThat(m.getFloat(0)).isEqualTo(0.25f);
        StateSync.verifyIdentical(pg, state, "after the buffer broadcast");
        return "ok";
      }
    }
  }
}
