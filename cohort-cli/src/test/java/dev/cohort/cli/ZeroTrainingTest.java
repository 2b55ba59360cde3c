package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.launch.WorkerArgs;
import dev.cohort.launch.local.LocalLauncher;
import dev.cohort.launch.local.Outcome;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.TrainConfigBuilder;
import dev.cohort.train.metrics.MemoryReport;
import dev.cohort.train.metrics.RunSummary;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * ZeRO stages 1, 2 and 3 train exactly as plain data parallelism does: 20 steps with momentum SGD
 * clipped hard, with plain SGD (stages 2 and 3), with Adam on 2 workers and with Adam on 4 (235,146
 * parameters: the last shard is padded). Each worker holds its shard of the optimizer's state, of
 * the gradients (2, 3) and of the parameters (3), byte for byte as the ZeRO paper counts them, and
 * sends what the formula says per step. Sharded checkpoints (every worker writes its shard, a
 * manifest ties them) hold the whole state: they resume bit for bit, on another number of workers,
 * with another stage and without ZeRO.
 */
@Timeout(600)
class ZeroTrainingTest {
  private static final long MLP_PARAMETERS = 235_146;

  /** One configuration of the equivalence. */
  private record Case(int nproc, String optimizer, float momentum, float clip, boolean tcp) {
    Case(int nproc, String optimizer, float momentum, float clip) {
      this(nproc, optimizer, momentum, clip, false);
    }

    String name() {
      return nproc + "-" + optimizer + "-" + momentum + "-" + clip + (tcp ? "-tcp" : "");
    }

    /**
     * Over TCP every collective goes through the process group's messages, which count the bytes
     * sent; over shared memory ZeRO's collectives are zero-copy.
     */
    Map<String, String> environment() {
      return tcp ? Map.of("COHORT_TRANSPORT", "tcp") : Map.of();
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

  @Test
  void everyStageShouldTrainAsPlainDataParallelism(@TempDir Path dir) throws Exception {
    for (Case c :
        List.of(
            new Case(2, "sgd", 0.9f, 0.01f, true),
            new Case(2, "sgd", 0, 0),
            new Case(2, "adam", 0, 0, true),
            new Case(4, "adam", 0, 0),
            new Case(4, "adam", 0, 0, true))) {
      List<float[]> plain = null;
      for (int zero = 0; zero <= 3; zero++) {
        if (zero == 1 && c.stateFloats() == 0) {
          continue; // refused: plain SGD keeps no state to shard
        }
        Path run = dir.resolve(c.name() + "-zero" + zero);
        Files.createDirectories(run);
        List<float[]> got =
            ParamDumps.train(
                run,
                c.nproc(),
                WorkerArgs.of(config(c, zero, 16).runDir(run.resolve("run")).build()),
                run.resolve("params"),
                c.environment());
        for (int r = 1; r < c.nproc(); r++) {
          assertThat(got.get(r))
              .as("%s zero %d: rank %d holds rank 0's", c.name(), zero, r)
              .isEqualTo(got.get(0));
        }
        if (zero == 0) {
          plain = got;
        } else {
          assertThat(ParamDumps.relative(got.get(0), plain.get(0)))
              .as("%s zero %d: relative difference", c.name(), zero)
              .isLessThan(1e-6);
        }
        checkMemory(run.resolve("run"), c, zero);
        if (c.tcp()) {
          checkTraffic(run.resolve("run"), c, zero);
        }
      }
    }
  }

  /**
   * ZeRO-3 runs every segment but the last twice; BatchNorm's running statistics must still move
   * once per step (they are put back before the rerun), and the convolutions train as they do
   * whole: the whole final state, buffers included, against plain data parallelism.
   */
  @Test
  void zeroThreeShouldTrainAConvolutionalNetworkWithBatchNormAsPlainDataParallelism(
      @TempDir Path dir) throws Exception {
    Case adam = new Case(2, "adam", 0, 0);
    List<float[]> plain =
        train(dir.resolve("plain"), 2, config(adam, 0, 16).model("cnn-bn").build());
    List<float[]> three =
        train(dir.resolve("three"), 2, config(adam, 3, 16).model("cnn-bn").build());
    assertThat(ParamDumps.relative(three.get(0), plain.get(0)))
        .as("parameters and running statistics")
        .isLessThan(1e-6);
  }

  /**
   * The wide MLP (2.9 million parameters, Adam) needs 55.6 MiB per worker with plain data
   * parallelism on 2 workers: over a budget of 31 MiB it is refused before training, naming the
   * stage that fits (ZeRO-3, 30.2 MiB); with that stage it trains within the budget.
   */
  @Test
  void aModelOverTheMemoryBudgetShouldTrainWithTheStageThatFits(@TempDir Path dir)
      throws Exception {
    long budget = 31L << 20;
    TrainConfigBuilder wide =
        TrainConfig.builder()
            .model("mlp-wide")
            .optimizer("adam")
            .batch(16)
            .maxSteps(5)
            .testLimit(100)
            .progress(false)
            .memoryBudget(budget);
    Path refused = dir.resolve("refused");
    Outcome o =
        new LocalLauncher(new PrintStream(System.out))
            .run(2, WorkerArgs.of(wide.runDir(refused).build()).command().withThreads(1), refused);
    assertThat(o.exitCode()).isNotZero();
    assertThat(Files.readString(refused.resolve("rank-0.log")))
        .contains(
            "--memory-budget 31.0 MiB is too small for mlp-wide with plain data parallelism on 2"
                + " workers: each holds 55.6 MiB")
        .contains("Fits: --zero 3 (30.2 MiB)");
    Path fits = dir.resolve("fits");
    train(fits, 2, wide.zero(3).runDir(fits.resolve("run")).build());
    MemoryReport memory = MemoryReport.read(fits.resolve("run").resolve(MemoryReport.FILE));
    assertThat(memory.budgetBytes()).isEqualTo(budget);
    for (MemoryReport.Worker w : memory.workers()) {
      assertThat(w.tracked().total()).isLessThanOrEqualTo(budget);
    }
  }

  /**
   * Tracked memory equals the ZeRO paper's count: Adam's state 8 bytes per parameter, of the
   * worker's shard alone from ZeRO-1 on (the last shards shortened by the padding); gradients a
   * shard's from ZeRO-2 on; parameters a shard's with ZeRO-3. The MLP's segments (its layers) split
   * evenly over 2 and 4 workers, so the sum of the segments' shards is the whole vector's shard.
   */
  private static void checkMemory(Path run, Case c, int zero) throws Exception {
    MemoryReport memory = MemoryReport.read(run.resolve(MemoryReport.FILE));
    long shard = (MLP_PARAMETERS + c.nproc() - 1) / c.nproc();
    for (MemoryReport.Worker w : memory.workers()) {
      String as = c.name() + " zero " + zero + " rank " + w.rank();
      long mine = Math.max(0, Math.min(MLP_PARAMETERS, (w.rank() + 1) * shard) - w.rank() * shard);
      assertThat(w.tracked()).as(as).isEqualTo(w.predicted());
      assertThat(w.tracked().optimizer())
          .as(as)
          .isEqualTo(4L * c.stateFloats() * (zero >= 1 ? mine : MLP_PARAMETERS));
      assertThat(w.tracked().gradients())
          .as(as)
          .isEqualTo(4 * (zero >= 2 ? shard : MLP_PARAMETERS));
      assertThat(w.tracked().parameters())
          .as(as)
          .isEqualTo(4 * (zero == 3 ? shard : MLP_PARAMETERS));
    }
    if (zero >= 1) {
      assertThat(Files.readString(run.getParent().resolve("rank-0.log")))
          .contains(
              String.format(
                  Locale.ROOT,
                  "ZeRO-%d: each worker holds a shard of %,d of %,d parameters",
                  zero,
                  shard,
                  MLP_PARAMETERS));
    }
  }

  /**
   * Bytes sent per step: a reduce-scatter and an all-gather move what an all-reduce does, 2(N-1)/N
   * x 4Ψ; ZeRO-3 gathers the parameters twice, 3(N-1)/N x 4Ψ, less the last segment's second gather
   * (the backward pass starts from its forward, which is not rerun).
   */
  private static void checkTraffic(Path run, Case c, int zero) throws Exception {
    RunSummary.Traffic t = RunSummary.read(run.resolve(RunSummary.FILE)).traffic();
    long n = c.nproc();
    long padded = (MLP_PARAMETERS + n - 1) / n * n;
    if (zero == 0) {
      return; // the shared-memory all-reduce works in place: nothing goes through the group
    }
    assertThat(t.formulaBytesPerStep()).isEqualTo((zero == 3 ? 3 : 2) * (n - 1) * 4 * padded / n);
    long expected = t.formulaBytesPerStep();
    if (zero == 3) {
      long lastLayer = (128 * 10 + 10 + n - 1) / n * n; // padded
      expected -= (n - 1) * 4 * lastLayer / n;
    }
    // Clipping adds one all-reduce of a double (the shards' sums of squares).
    assertThat(t.sentBytesPerStep())
        .as("zero %d", zero)
        .isBetween(expected, expected + (c.clip() > 0 ? 8 * (n - 1) : 0));
  }

  @Test
  void aShardedCheckpointShouldResumeBitwiseOnOtherWorkerCountsAndStages(@TempDir Path dir)
      throws Exception {
    resumes(dir.resolve("zero1"), 1, 3);
    resumes(dir.resolve("zero2"), 2, 0);
    resumes(dir.resolve("zero3"), 3, 1);
  }

  /**
   * A checkpoint that {@code stage} wrote at step 10 of 20 resumes bit for bit on the same workers,
   * on 4 workers with {@code otherStage} (the same global batch) and with plain data parallelism.
   */
  private static void resumes(Path dir, int stage, int otherStage) throws Exception {
    Case adam = new Case(2, "adam", 0, 0);
    Path run = dir.resolve("straight");
    List<float[]> straight =
        train(
            run, 2, config(adam, stage, 16).checkpointEvery(10).runDir(run.resolve("run")).build());
    // Every worker wrote its own shard of the sharded state; rank 0's state.bin holds the rest.
    Path ckpt10 = run.resolve("run").resolve("checkpoints").resolve("ckpt-000000010");
    assertThat(ckpt10.resolve("shard-0-of-2.bin")).isRegularFile();
    assertThat(ckpt10.resolve("shard-1-of-2.bin")).isRegularFile();
    String manifest = Files.readString(ckpt10.resolve("manifest.json"));
    assertThat(manifest.substring(manifest.indexOf("\"arrays\""), manifest.indexOf("\"shards\"")))
        .doesNotContain("optimizer/");
    // Back to step 10: the newest checkpoint is then the one of step 10.
    Path ckpt20 = run.resolve("run").resolve("checkpoints").resolve("ckpt-000000020");
    assertThat(ckpt20).isDirectory();
    try (var files = Files.walk(ckpt20)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
    Path from = run.resolve("run");
    Path again = dir.resolve("again");
    List<float[]> resumed =
        train(
            again,
            2,
            config(adam, stage, 16).resumeFrom(from).runDir(again.resolve("run")).build());
    assertThat(resumed.get(0))
        .as("ZeRO-%d resumed from step 10, bit for bit", stage)
        .isEqualTo(straight.get(0));
    // 4 workers of 8 windows: the same global batch; each takes its quarter of the whole state,
    // the last shard padded.
    Path four = dir.resolve("four");
    List<float[]> quarters =
        train(
            four,
            4,
            config(adam, otherStage, 8).resumeFrom(from).runDir(four.resolve("run")).build());
    assertThat(ParamDumps.relative(quarters.get(0), straight.get(0)))
        .as("4 workers with ZeRO-%d from a 2-worker checkpoint of ZeRO-%d", otherStage, stage)
        .isLessThan(1e-5);
    // The checkpoint holds the whole state: plain data parallelism resumes it too.
    Path plain = dir.resolve("plain");
    List<float[]> unsharded =
        train(plain, 2, config(adam, 0, 16).resumeFrom(from).runDir(plain.resolve("run")).build());
    assertThat(ParamDumps.relative(unsharded.get(0), straight.get(0)))
        .as("plain data parallelism from ZeRO-%d", stage)
        .isLessThan(1e-6);
  }

  @Test
  void whatAStageDoesNotTrainWithShouldBeRefused(@TempDir Path dir) {
    assertThat(refusal(dir, "--nproc", "2", "--model", "mlp", "--zero", "2", "--accumulation", "2"))
        .contains("--zero 2 reduce-scatters each segment's gradients")
        .contains("leave out --accumulation");
    assertThat(refusal(dir, "--nproc", "2", "--model", "cnn-bn", "--zero", "3", "--sync-bn"))
        .contains("leave out --sync-bn");
    assertThat(refusal(dir, "--nproc", "2", "--model", "mlp", "--zero", "3", "--check-every", "5"))
        .contains("leave out --check-every");
    assertThat(refusal(dir, "--nproc", "2", "--model", "mlp", "--zero", "2", "--no-overlap"))
        .contains("--zero 2 reduce-scatters one segment at a time, not buckets");
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
