package dev.cohort.train.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.cohort.comm.CommConfig;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ProcessGroups;
import dev.cohort.comm.Secrets;
import dev.cohort.comm.store.StoreServer;
import dev.cohort.comm.store.TcpStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** A tensor group of t ranks as threads of this JVM, each with a real process group. */
public final class TensorRanks {
  private static final byte[] SECRET = Secrets.generate().getBytes(StandardCharsets.UTF_8);

  private TensorRanks() {}

  /** Runs {@code body} on each of {@code t} ranks; their results by rank. */
  public static <T> List<T> run(int t, Function<ProcessGroup, T> body) throws Exception {
    return run(t, CommConfig.TransportKind.AUTO, body);
  }

  /** The same, the ranks joined with {@code transport}. */
  public static <T> List<T> run(
      int t, CommConfig.TransportKind transport, Function<ProcessGroup, T> body) throws Exception {
    CommConfig cfg =
        CommConfig.defaults(SECRET).toBuilder()
            .timeout(Duration.ofSeconds(30))
            .transport(transport)
            .build();
    try (StoreServer server = StoreServer.start("127.0.0.1", 0, SECRET, 1 << 20)) {
      List<CompletableFuture<T>> all = new ArrayList<>();
      for (int r = 0; r < t; r++) {
        int rank = r;
        all.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try (TcpStore store =
                          TcpStore.connect(
                              "127.0.0.1", server.port(), SECRET, Duration.ofSeconds(10), 1 << 20);
                      ProcessGroup group = ProcessGroups.join(cfg, store, rank, t, 0)) {
                    return body.apply(group);
                  }
                }));
      }
      List<T> out = new ArrayList<>();
      for (CompletableFuture<T> f : all) {
        out.add(f.get(60, TimeUnit.SECONDS));
      }
      return out;
    }
  }

  /**
   * What a module (or the unsplit computation) gave: output, input gradient, parameter gradients.
   */
  record Outcome(float[] y, float[] dx, List<float[]> grads, int allReduces) {}

  /** One forward of {@code x} and backward of {@code dy} through {@code module}, gradients on. */
  static Outcome forwardBackward(TensorParallelModule module, NDArray x, NDArray dy) {
    JniUtils.setGradMode(true);
    try {
      NDArray y = module.forward(x);
      NDArray dx = module.backward(dy);
      List<float[]> grads = new ArrayList<>();
      for (NDArray p : module.parameters()) {
        grads.add(p.getGradient().toFloatArray());
      }
      return new Outcome(y.toFloatArray(), dx.toFloatArray(), grads, module.allReduces());
    } finally {
      JniUtils.setGradMode(false);
    }
  }

  /**
   * Checks rank r of t against the unsplit computation: output within {@code outputBound}
   * (relative), the input's gradient and every parameter's against {@code slices} within 1e-5
   * relative, and the all-reduces.
   */
  static void assertMatches(
      Outcome got,
      Outcome whole,
      List<float[]> slices,
      double outputBound,
      int allReduces,
      String at) {
    assertThat(relative(got.y(), whole.y())).as("output, %s", at).isLessThan(outputBound);
    assertThat(relative(got.dx(), whole.dx())).as("input gradient, %s", at).isLessThan(1e-5);
    assertThat(got.allReduces()).as("all-reduces, %s", at).isEqualTo(allReduces);
    assertThat(got.grads()).hasSameSizeAs(slices);
    for (int p = 0; p < slices.size(); p++) {
      assertThat(relative(got.grads().get(p), slices.get(p)))
          .as("gradient of parameter %d, %s", p, at)
          .isLessThan(1e-5);
    }
  }

  /** Rows {@code [from, to)} of each of the 3 stacked parts of {@code grad} (3 width, cols...). */
  static float[] stackedRows(
      NDManager m, float[] grad, Shape shape, long width, long from, long to) {
    NDArray full = m.create(grad, shape);
    String rest = shape.dimension() == 2 ? ", :" : "";
    NDList parts = new NDList();
    for (int p = 0; p < 3; p++) {
      parts.add(full.get((p * width + from) + ":" + (p * width + to) + rest));
    }
    return NDArrays.concat(parts, 0).toFloatArray();
  }

  /** {@code grad} of {@code shape} indexed by {@code index}, e.g. "2:4, :". */
  static float[] slice(NDManager m, float[] grad, Shape shape, String index) {
    return m.create(grad, shape).get(index).toFloatArray();
  }

  /** ‖a − b‖ / ‖b‖. */
  public static double relative(float[] a, float[] b) {
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < a.length; i++) {
      diff += (a[i] - b[i]) * (double) (a[i] - b[i]);
      norm += b[i] * (double) b[i];
    }
    return Math.sqrt(diff / norm);
  }
}
