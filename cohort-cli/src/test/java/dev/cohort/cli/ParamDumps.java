package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.launch.WorkerArgs;
import dev.cohort.launch.local.LocalLauncher;
import dev.cohort.launch.local.Outcome;
import dev.cohort.train.TrainConfig;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the parameter dumps that {@code cohort worker --dump-params} writes (big-endian floats).
 */
final class ParamDumps {
  private ParamDumps() {}

  /**
   * Runs {@code worker} (which must dump its state to {@code dump}) with {@code nproc} processes in
   * {@code dir} and returns each rank's final state.
   */
  static List<float[]> train(Path dir, int nproc, WorkerArgs worker, Path dump)
      throws IOException, InterruptedException {
    return train(dir, nproc, worker, dump, Map.of());
  }

  /** The same, with {@code environment} added to every worker's. */
  static List<float[]> train(
      Path dir, int nproc, WorkerArgs worker, Path dump, Map<String, String> environment)
      throws IOException, InterruptedException {
    Outcome o =
        new LocalLauncher(new PrintStream(System.out))
            .environment(environment)
            .run(nproc, worker.withDumpParameters(dump).command().withThreads(1), dir);
    assertThat(o.exitCode()).as(o.report()).isZero();
    List<float[]> out = new ArrayList<>();
    for (int r = 0; r < nproc; r++) {
      out.add(read(Path.of(dump + ".rank" + r)));
    }
    return out;
  }

  /**
   * Trains {@code cfg} on 2 workers in {@code dir} over TCP, where the group counts the bytes sent
   * (shared memory's zero-copy collectives send none), and returns each rank's final state.
   */
  static List<float[]> trainTwoOverTcp(Path dir, TrainConfig cfg)
      throws IOException, InterruptedException {
    Files.createDirectories(dir);
    return train(
        dir, 2, WorkerArgs.of(cfg), dir.resolve("params"), Map.of("COHORT_TRANSPORT", "tcp"));
  }

  /** The relative difference of {@code a} from {@code b}: |a - b| / |b|, Euclidean. */
  static double relative(float[] a, float[] b) {
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < b.length; i++) {
      double d = a[i] - b[i];
      diff += d * d;
      norm += b[i] * (double) b[i];
    }
    return Math.sqrt(diff / norm);
  }

  static float[] read(Path p) throws IOException {
    int n = (int) (Files.size(p) / 4);
    float[] f = new float[n];
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(p)))) {
      for (int i = 0; i < n; i++) {
        f[i] = in.readFloat();
      }
    }
    return f;
  }
}
