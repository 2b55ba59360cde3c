package dev.cohort.train.tensor;

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
final class TensorRanks {
  private static final byte[] SECRET = Secrets.generate().getBytes(StandardCharsets.UTF_8);

  private TensorRanks() {}

  /** Runs {@code body} on each of {@code t} ranks; their results by rank. */
  static <T> List<T> run(int t, Function<ProcessGroup, T> body) throws Exception {
    CommConfig cfg =
        CommConfig.defaults(SECRET).toBuilder().timeout(Duration.ofSeconds(30)).build();
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

  /** The largest absolute difference. */
  static double maxDiff(float[] a, float[] b) {
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      d = Math.max(d, Math.abs(a[i] - b[i]));
    }
    return d;
  }

  /** ‖a − b‖ / ‖b‖. */
  static double relative(float[] a, float[] b) {
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < a.length; i++) {
      diff += (a[i] - b[i]) * (double) (a[i] - b[i]);
      norm += b[i] * (double) b[i];
    }
    return Math.sqrt(diff / norm);
  }
}
