package dev.cohort.train.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.cohort.comm.CommConfig;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ProcessGroups;
import dev.cohort.comm.Secrets;
import dev.cohort.comm.store.StoreServer;
import dev.cohort.comm.store.TcpStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SyncBatchNorm against an independent reference, DJL's own BatchNorm: with one rank it computes
 * what BatchNorm computes; with two ranks of half a batch each, its outputs, gradients (averaged
 * over the ranks, as data parallelism does) and running statistics match BatchNorm on the whole
 * batch. Ranks are threads: gradients are computed with grad mode per thread, no collector.
 */
@Timeout(120)
class SyncBatchNormTest {
  private static final byte[] SECRET = Secrets.generate().getBytes(StandardCharsets.UTF_8);

  private static final int BATCH = 16;

  @BeforeAll
  static void offline() {
    System.setProperty("ai.djl.offline", "true");
  }

  /**
   * conv (no bias: BatchNorm cancels it, its gradient is rounding noise), norm, ReLU, dense: the
   * norm is BatchNorm or SyncBatchNorm.
   */
  private static Block model(Supplier<Block> norm) {
    return new SequentialBlock()
        .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(4).optBias(false).build())
        .add(norm.get())
        .add(Activation.reluBlock())
        .add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(3).build());
  }

  private static Model initialized(Block block, NDManager m) {
    Model model = Model.newInstance("t");
    model.setBlock(block);
    synchronized (Engine.class) {
      Engine.getInstance().setRandomSeed(5);
      block.initialize(
          model.getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32, new Shape(1, 2, 6, 6));
    }
    return model;
  }

  /** Input batch and per-sample weights of a loss that is not symmetric in the samples. */
  private static float[] input() {
    float[] x = new float[BATCH * 2 * 6 * 6];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) Math.sin(i * 0.37) * 2 + (i % 7) * 0.1f;
    }
    return x;
  }

  /** Forward, loss = mean over samples of sum(out * k), backward; returns every gradient. */
  private static Map<String, float[]> step(
      Model model, float[] x, int from, int n, BatchStatsSync sync) {
    Map<String, float[]> out = new java.util.LinkedHashMap<>();
    JniUtils.setGradMode(true);
    try (NDManager m = model.getNDManager().newSubManager()) {
      float[] part = java.util.Arrays.copyOfRange(x, from * 72, (from + n) * 72);
      NDArray input = m.create(part, new Shape(n, 2, 6, 6));
      NDArray y =
          model
              .getBlock()
              .forward(new ParameterStore(m, false), new NDList(input), true)
              .singletonOrThrow();
      NDArray k = m.arange(1f + 3 * from, 1f + 3 * (from + n)).reshape(n, 3).div(10f).sin();
      NDArray loss = y.mul(k).sum().div(n);
      sync.backward(loss);
      for (var p : model.getBlock().getParameters()) {
        Parameter param = p.getValue();
        if (param.requiresGradient()) {
          out.put(p.getKey().replace("Sync", ""), param.getArray().getGradient().toFloatArray());
        } else {
          out.put(p.getKey().replace("Sync", ""), param.getArray().toFloatArray());
        }
      }
    } finally {
      JniUtils.setGradMode(false);
    }
    return out;
  }

  @Test
  void oneRankShouldComputeWhatBatchNormComputes() {
    try (NDManager m = NDManager.newBaseManager();
        Model reference = initialized(model(() -> BatchNorm.builder().build()), m);
        Model sync = initialized(model(() -> SyncBatchNorm.builder().build()), m)) {
      float[] x = input();
      Map<String, float[]> want = step(reference, x, 0, BATCH, BatchStatsSync.LOCAL);
      Map<String, float[]> got = step(sync, x, 0, BATCH, BatchStatsSync.LOCAL);
      assertClose(got, want, 1e-5);
    }
  }

  @Test
  void twoRanksWithHalfBatchesShouldMatchOneWithTheWholeBatch() throws Exception {
    float[] x = input();
    Map<String, float[]> want;
    try (NDManager m = NDManager.newBaseManager();
        Model reference = initialized(model(() -> BatchNorm.builder().build()), m)) {
      want = step(reference, x, 0, BATCH, BatchStatsSync.LOCAL);
    }
    CommConfig cfg =
        CommConfig.defaults(SECRET).toBuilder().timeout(Duration.ofSeconds(30)).build();
    List<Map<String, float[]>> ranks = new ArrayList<>();
    try (StoreServer server = StoreServer.start("127.0.0.1", 0, SECRET, 1 << 20)) {
      List<CompletableFuture<Map<String, float[]>>> futures = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        int rank = r;
        futures.add(CompletableFuture.supplyAsync(() -> rank(cfg, server, rank, x)));
      }
      for (var f : futures) {
        ranks.add(f.get(60, TimeUnit.SECONDS));
      }
    }
    Map<String, float[]> averaged = new java.util.LinkedHashMap<>();
    for (String key : want.keySet()) {
      float[] a = ranks.get(0).get(key);
      float[] b = ranks.get(1).get(key);
      float[] avg = new float[a.length];
      for (int i = 0; i < a.length; i++) {
        // Gradients are averaged by data parallelism; running statistics are the same on both.
        avg[i] = key.contains("running") ? a[i] : (a[i] + b[i]) / 2;
        if (key.contains("running")) {
          assertThat(b[i]).as(key).isEqualTo(a[i]);
        }
      }
      averaged.put(key, avg);
    }
    assertClose(averaged, want, 1e-5);
  }

  private static Map<String, float[]> rank(
      CommConfig cfg, StoreServer server, int rank, float[] x) {
    try (TcpStore store =
            TcpStore.connect("127.0.0.1", server.port(), SECRET, Duration.ofSeconds(10), 1 << 20);
        ProcessGroup pg = ProcessGroups.join(cfg, store, rank, 2, 0);
        NDManager m = NDManager.newBaseManager();
        Model model = initialized(model(() -> SyncBatchNorm.builder().build()), m)) {
      BatchStatsSync sync = BatchStatsSync.attach(model.getBlock(), pg);
      assertThat(sync.layers()).isEqualTo(1);
      return step(model, x, rank * BATCH / 2, BATCH / 2, sync);
    }
  }

  private static void assertClose(Map<String, float[]> got, Map<String, float[]> want, double rel) {
    assertThat(got.keySet()).containsExactlyElementsOf(want.keySet());
    Map<String, Double> relative = new java.util.LinkedHashMap<>();
    for (String key : want.keySet()) {
      float[] g = got.get(key);
      float[] w = want.get(key);
      double scale = 1e-12;
      double diff = 0;
      for (int i = 0; i < w.length; i++) {
        scale = Math.max(scale, Math.abs(w[i]));
        diff = Math.max(diff, Math.abs(g[i] - w[i]));
      }
      relative.put(key, diff / scale);
    }
    assertThat(relative.values())
        .as("relative difference of each tensor: %s", relative)
        .allMatch(d -> d < rel);
  }

  @Test
  void convertShouldReplaceBatchNormsAndKeepTheirOptions() {
    SequentialBlock inner =
        new SequentialBlock().add(BatchNorm.builder().optMomentum(0.8f).build());
    Block converted =
        SyncBatchNorm.convert(
            new SequentialBlock()
                .add(Linear.builder().setUnits(4).build())
                .add(BatchNorm.builder().optEpsilon(1e-3f).build())
                .add(inner));
    List<String> names = new ArrayList<>();
    converted.getChildren().values().forEach(b -> names.add(b.getClass().getSimpleName()));
    assertThat(names).containsExactly("Linear", "SyncBatchNorm", "SequentialBlock");
    assertThat(inner.getChildren().values().get(0)).isInstanceOf(SyncBatchNorm.class);
    assertThat(SyncBatchNorm.convert(BatchNorm.builder().build()))
        .isInstanceOf(SyncBatchNorm.class);
  }

  @Test
  void convertShouldRefuseABatchNormItCannotReach() {
    Block parallel =
        new ParallelBlock(
            l -> l.get(0), List.of(new SequentialBlock().add(BatchNorm.builder().build())));
    assertThatThrownBy(() -> SyncBatchNorm.convert(new SequentialBlock().add(parallel)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ParallelBlock")
        .hasMessageContaining("SyncBatchNorm.builder()");
  }

  @Test
  void aSavedSyncBatchNormModelShouldLoadIntoPlainBatchNorm(@TempDir Path dir) throws Exception {
    try (NDManager m = NDManager.newBaseManager();
        Model trained = initialized(model(() -> SyncBatchNorm.builder().build()), m)) {
      step(trained, input(), 0, BATCH, BatchStatsSync.LOCAL); // moves the running statistics
      trained.save(dir, "t");
      try (Model plain = Model.newInstance("t")) {
        plain.setBlock(model(() -> BatchNorm.builder().build()));
        plain.load(dir);
        NDArray x = m.create(input(), new Shape(BATCH, 2, 6, 6));
        float[] a =
            trained
                .getBlock()
                .forward(new ParameterStore(m, false), new NDList(x), false)
                .singletonOrThrow()
                .toFloatArray();
        float[] b =
            plain
                .getBlock()
                .forward(new ParameterStore(m, false), new NDList(x), false)
                .singletonOrThrow()
                .toFloatArray();
        assertThat(b).containsExactly(a);
      }
    }
  }
}
