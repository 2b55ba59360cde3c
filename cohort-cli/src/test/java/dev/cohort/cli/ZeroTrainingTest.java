package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.launch.WorkerArgs;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.TrainConfigBuilder;
import dev.cohort.train.metrics.MemoryReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * ZeRO-1: the optimizer's state sharded over the workers, the gradients reduce-scattered and the
 * parameters all-gathered, trains exactly as plain data parallelism does: 20 steps with momentum
 * SGD clipped hard, with Adam on 2 workers, and with Adam on 4 (235,146 parameters: the last shard
 * is padded); each worker holds the state of its shard alone. Its checkpoints hold the whole state:
 * they resume bit for bit, on another number of workers, and without ZeRO.
 */
@Timeout(300)
class ZeroTrainingTest {
  private static final long MLP_PARAMETERS = 235_146;

  /** One configuration of the equivalence. */
  private record Case(int nproc, String optimizer, float momentum, float clip) {
    String name() {
      return nproc + "-" + optimizer + "-" + momentum + "-" + clip;
    }

    int stateFloats() {
      return optimizer.equals("adam") ? 2 : momentum > 0 ? 1 : 0;
    }
  }

  private static TrainConfigBuilder config(Case c, int zero, int batch) {
    return TrainConfig.builder()
        .model("mlp")
        .optimizer(c.optimizer())
        .momentum(c.momentum())
        .learningRate(c.optimizer().equals("adam") ? 0.003f : 0.1f)
        .clipGradNorm(c.clip())
        .batch(batch)
        .seed(5)
        .trainLimit(2048)
        .testLimit(200)
        .maxSteps(20)
        .progress(false)
        .zero(zero);
  }

  private static List<float[]> train(Path dir, int nproc, TrainConfig cfg) throws Exception {
    Files.createDirectories(dir);
    return ParamDumps.train(dir, nproc, WorkerArgs.of(cfg), dir.resolve("params"));
  }

  private static double relative(float[] a, float[] b) {
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < b.length; i++) {
      double d = a[i] - b[i];
      diff += d * d;
      norm += b[i] * (double) b[i];
    }
    return Math.sqrt(diff / norm);
  }

  @Test
  void zeroOneShouldTrainAsPlainDataParallelism(@TempDir Path dir) throws Exception {
    for (Case c :
        List.of(
            new Case(2, "sgd", 0.9f, 0.01f),
            new Case(2, "adam", 0, 0),
            new Case(4, "adam", 0, 0))) {
      List<float[]> plain = null;
      for (int zero : new int[] {0, 1}) {
        Path run = dir.resolve(c.name() + "-zero" + zero);
        List<float[]> got =
            train(run, c.nproc(), config(c, zero, 16).runDir(run.resolve("run")).build());
        for (int r = 1; r < c.nproc(); r++) {
          assertThat(got.get(r))
              .as("%s zero %d: rank %d holds rank 0's", c.name(), zero, r)
              .isEqualTo(got.get(0));
        }
        if (zero == 0) {
          plain = got;
        } else {
          assertThat(relative(got.get(0), plain.get(0)))
              .as("%s: relative difference", c.name())
              .isLessThan(1e-6);
        }
        // Tracked memory equals the ZeRO paper's count: Adam's state 8 bytes per parameter, of the
        // worker's shard alone with ZeRO-1 (the last shards shortened by the padding).
        MemoryReport memory = MemoryReport.read(run.resolve("run").resolve(MemoryReport.FILE));
        long shard = (MLP_PARAMETERS + c.nproc() - 1) / c.nproc();
        for (MemoryReport.Worker w : memory.workers()) {
          long mine =
              Math.max(0, Math.min(MLP_PARAMETERS, (w.rank() + 1) * shard) - w.rank() * shard);
          long state = 4L * c.stateFloats() * (zero == 1 ? mine : MLP_PARAMETERS);
          assertThat(w.tracked())
              .as("%s zero %d rank %d", c.name(), zero, w.rank())
              .isEqualTo(w.predicted());
          assertThat(w.tracked().optimizer())
              .as("%s zero %d rank %d", c.name(), zero, w.rank())
              .isEqualTo(state);
          assertThat(w.tracked().parameters()).isEqualTo(4 * MLP_PARAMETERS);
        }
        if (zero == 1) {
          assertThat(Files.readString(run.resolve("rank-0.log")))
              .contains(
                  "ZeRO-1: each worker holds the optimizer's state of a shard of "
                      + shard
                      + " parameters: "
                      + 4L * c.stateFloats() * shard
                      + " bytes");
        }
      }
    }
  }

  @Test
  void aShardedCheckpointShouldResumeBitwiseOnOtherWorkerCountsAndWithoutZero(@TempDir Path dir)
      throws Exception {
    Case adam = new Case(2, "adam", 0, 0);
    Path run = dir.resolve("straight");
    List<float[]> straight =
        train(run, 2, config(adam, 1, 16).checkpointEvery(10).runDir(run.resolve("run")).build());
    // Back to step 10: the newest checkpoint is then the one of step 10.
    Path ckpt20 = run.resolve("run").resolve("checkpoints").resolve("ckpt-000000020");
    assertThat(ckpt20).isDirectory();
    try (var files = Files.walk(ckpt20)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
    Path from = run.resolve("run");
    Path again = dir.resolve("again");
    List<float[]> resumed =
        train(again, 2, config(adam, 1, 16).resumeFrom(from).runDir(again.resolve("run")).build());
    assertThat(resumed.get(0))
        .as("ZeRO-1 resumed from step 10, bit for bit")
        .isEqualTo(straight.get(0));
    // 4 workers of 8 windows: the same global batch; each takes its quarter of the whole state,
    // the last shard padded.
    Path four = dir.resolve("four");
    List<float[]> quarters =
        train(four, 4, config(adam, 1, 8).resumeFrom(from).runDir(four.resolve("run")).build());
    assertThat(relative(quarters.get(0), straight.get(0)))
        .as("4 workers from a 2-worker checkpoint")
        .isLessThan(1e-5);
    // The checkpoint holds the whole optimizer state: plain data parallelism resumes it too.
    Path plain = dir.resolve("plain");
    List<float[]> unsharded =
        train(plain, 2, config(adam, 0, 16).resumeFrom(from).runDir(plain.resolve("run")).build());
    assertThat(relative(unsharded.get(0), straight.get(0)))
        .as("plain data parallelism")
        .isLessThan(1e-6);
  }

  @Test
  void whatZeroDoesNotDoYetShouldBeRefused(@TempDir Path dir) {
    assertThat(refusal(dir, "--nproc", "2", "--model", "mlp", "--zero", "2"))
        .contains("--zero 2 (sharded gradients) is not built yet: use --zero 1");
    assertThat(refusal(dir, "--nproc", "2", "--model", "mlp", "--zero", "4"))
        .contains("--zero must be 0, 1, 2 or 3, got 4");
    assertThat(refusal(dir, "--nproc", "2", "--model", "gpt-tiny", "--zero", "1"))
        .contains("--zero is for data parallelism");
    assertThat(
            refusal(
                dir, "--nproc", "2", "--model", "mlp", "--zero", "1", "--backward-segments", "2"))
        .contains("leave out --backward-segments");
    assertThat(refusal(dir, "--nproc", "2", "--model", "mlp", "--zero", "1", "--bucket-mb", "1"))
        .contains("leave out --bucket-mb and --no-overlap");
    assertThat(refusal(dir, "--nproc", "2", "--model", "mlp", "--zero", "1", "--optimizer", "sgd"))
        .contains("plain SGD keeps none");
  }

  private static String refusal(Path dir, String... args) {
    return PipelineTrainingTest.refusal(dir, args);
  }
}
