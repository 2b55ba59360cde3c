package dev.cohort.train.ddp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import dev.cohort.comm.CommConfig;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ProcessGroups;
import dev.cohort.comm.store.StoreServer;
import dev.cohort.comm.store.TcpStore;
import dev.cohort.train.model.Models;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Broadcast makes parameters identical; a rank whose parameters drift is named with the first
 * differing tensor. Two ranks as threads: no gradients are collected, so DJL allows it.
 */
@Timeout(120)
class ParameterSyncTest {

  @Test
  void broadcastShouldEqualizeAndAChangedRankShouldBeNamed() throws Exception {
    System.setProperty("ai.djl.offline", "true");
    CommConfig cfg = CommConfig.defaults("t").toBuilder().timeout(Duration.ofSeconds(30)).build();
    try (StoreServer server = StoreServer.start("127.0.0.1", 0, "t".getBytes(), 1 << 20)) {
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
            TcpStore.connect(
                "127.0.0.1", server.port(), "t".getBytes(), Duration.ofSeconds(10), 1 << 20);
        ProcessGroup pg = ProcessGroups.join(cfg, store, rank, 2, 0);
        Model model = Model.newInstance("r" + rank)) {
      model.setBlock(Models.mlp(10));
      try (Trainer trainer =
          model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()))) {
        synchronized (Engine.class) { // different seeds: the ranks start out different
          Engine.getInstance().setRandomSeed(100 + rank);
          trainer.initialize(new Shape(1, 1, 28, 28));
        }
        List<Parameter> params = new ArrayList<>(model.getBlock().getParameters().values());
        assertThatThrownBy(() -> ParameterSync.verifyIdentical(pg, params, "before the broadcast"))
            .isInstanceOf(DivergenceException.class)
            .hasMessageContaining("ranks [1]");
        ParameterSync.broadcastFromRank0(pg, params);
        ParameterSync.verifyIdentical(pg, params, "after the broadcast");
        if (rank == 1) {
          // One bit of one weight of the second layer goes astray on rank 1.
          var v = ParameterViews.value(params.get(2));
          v.putFloat(40, Math.nextUp(v.getFloat(40)));
        }
        assertThatThrownBy(() -> ParameterSync.verifyIdentical(pg, params, "after step 7"))
            .isInstanceOf(DivergenceException.class)
            .hasMessageContaining("after step 7")
            .hasMessageContaining("ranks [1] differ from rank 0")
            .hasMessageContaining(params.get(2).getName() + " (parameter 2 of 6)");
        return "ok";
      }
    }
  }
}
