package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.launch.WorkerArgs;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.TrainConfigBuilder;
import dev.cohort.train.metrics.MemoryReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * ZeRO-1: the optimizer's state sharded over the workers, the gradients reduce-scattered and the
 * parameters all-gathered, trains exactly as plain data parallelism does: 20 steps with SGD and
 * with Adam (clipped too), on 2 and 3 workers (3 does not divide the parameters: the last shard is
 * padded); each worker holds the state of its shard alone. Its checkpoints hold the whole state:
 * they resume bit for bit, and plain data parallelism resumes them too.
 */
@Timeout(300)
class ZeroTrainingTest {

  private static List<float[]> train(Path dir, int nproc, String optimizer, float clip, int zero)
      throws Exception {
    return train(dir, nproc, config(optimizer, clip, zero).runDir(dir.resolve("run")).build());
  }

  private static List<float[]> train(Path dir, int nproc, TrainConfig cfg) throws Exception {
    Files.createDirectories(dir);
    return ParamDumps.train(dir, nproc, WorkerArgs.of(cfg), dir.resolve("params"));
  }

  private static TrainConfigBuilder config(String optimizer, float clip, int zero) {
    return TrainConfig.builder()
        .model("mlp")
        .optimizer(optimizer)
        .learningRate(optimizer.equals("adam") ? 0.003f : 0.1f)
        .clipGradNorm(clip)
        .batch(16)
        .seed(5)
        .trainLimit(2048)
        .testLimit(200)
        .maxSteps(20)
        .progress(false)
        .zero(zero);
  }

  @Test
  void zeroOneShouldTrainAsPlainDataParallelism(@TempDir Path dir) throws Exception {
    record Case(int nproc, String optimizer, float clip) {}
    for (Case c :
        List.of(new Case(2, "sgd", 0), new Case(2, "adam", 0.5f), new Case(3, "adam", 0))) {
      String name = c.nproc() + "-" + c.optimizer() + "-" + c.clip();
      List<float[]> plain =
          train(dir.resolve("plain-" + name), c.nproc(), c.optimizer(), c.clip(), 0);
      List<float[]> zero =
          train(dir.resolve("zero-" + name), c.nproc(), c.optimizer(), c.clip(), 1);
      for (int r = 1; r < c.nproc(); r++) {
        assertThat(zero.get(r))
            .as("%s: rank %d holds rank 0's parameters", name, r)
            .isEqualTo(zero.get(0));
      }
      double diff = 0;
      double norm = 0;
      for (int i = 0; i < plain.get(0).length; i++) {
        double d = zero.get(0)[i] - plain.get(0)[i];
        diff += d * d;
        norm += plain.get(0)[i] * (double) plain.get(0)[i];
      }
      assertThat(Math.sqrt(diff / norm)).as("%s: relative difference", name).isLessThan(1e-6);
      String log = Files.readString(dir.resolve("zero-" + name).resolve("rank-0.log"));
      // The MLP's 235,146 parameters in shards of ceil(235,146 / N); Adam keeps 2 floats for each.
      int shard = (235_146 + c.nproc() - 1) / c.nproc();
      long stateBytes = c.optimizer().equals("adam") ? 8L * shard : 0;
      // Tracked memory (arrays, libtorch's gradients, the optimizer's state, buffers) equals the
      // ZeRO paper's count: 4Ψ + 4Ψ + 8Ψ/N for Adam (8Ψ without sharding).
      for (String kind : List.of("plain", "zero")) {
        MemoryReport memory =
            MemoryReport.read(
                dir.resolve(kind + "-" + name).resolve("run").resolve(MemoryReport.FILE));
        long optimizerBytes =
            !c.optimizer().equals("adam") ? 0 : kind.equals("zero") ? 8L * shard : 8L * 235_146;
        for (MemoryReport.Worker w : memory.workers()) {
          assertThat(w.tracked())
              .as("%s %s rank %d", kind, name, w.rank())
              .isEqualTo(w.predicted());
          assertThat(w.tracked().parameters()).isEqualTo(4L * 235_146);
          assertThat(w.tracked().optimizer()).as("%s %s", kind, name).isEqualTo(optimizerBytes);
        }
      }
      assertThat(log)
          .contains(
              "ZeRO-1: each worker holds the optimizer's state of a shard of "
                  + shard
                  + " parameters: "
                  + stateBytes
                  + " bytes");
    }
  }

  @Test
  void aShardedCheckpointShouldResumeBitwiseAndWithoutZeroToo(@TempDir Path dir) throws Exception {
    Path run = dir.resolve("straight");
    List<float[]> straight =
        train(run, 2, config("adam", 0, 1).checkpointEvery(10).runDir(run.resolve("run")).build());
    // Back to step 10: the newest checkpoint is then the one of step 10.
    Path ckpt20 = run.resolve("run").resolve("checkpoints").resolve("ckpt-000000020");
    assertThat(ckpt20).isDirectory();
    try (var files = Files.walk(ckpt20)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
    Path resumed = dir.resolve("resumed");
    List<float[]> again =
        train(
            resumed,
            2,
            config("adam", 0, 1)
                .resumeFrom(run.resolve("run"))
                .runDir(resumed.resolve("run"))
                .build());
    assertThat(again.get(0))
        .as("ZeRO-1 resumed from step 10, bit for bit")
        .isEqualTo(straight.get(0));
    // The same checkpoint holds the whole optimizer state: plain data parallelism resumes it.
    Path plain = dir.resolve("plain");
    List<float[]> unsharded =
        train(
            plain,
            2,
            config("adam", 0, 0)
                .resumeFrom(run.resolve("run"))
                .runDir(plain.resolve("run"))
                .build());
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < straight.get(0).length; i++) {
      double d = unsharded.get(0)[i] - straight.get(0)[i];
      diff += d * d;
      norm += straight.get(0)[i] * (double) straight.get(0)[i];
    }
    assertThat(Math.sqrt(diff / norm))
        .as("plain data parallelism from a ZeRO-1 checkpoint")
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
  }

  private static String refusal(Path dir, String... args) {
    return PipelineTrainingTest.refusal(dir, args);
  }
}
