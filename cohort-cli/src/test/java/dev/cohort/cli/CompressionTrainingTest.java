package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

import dev.cohort.train.TrainConfig;
import dev.cohort.train.TrainConfigBuilder;
import dev.cohort.train.compress.Compression;
import dev.cohort.train.compress.CompressionSpec;
import dev.cohort.train.metrics.RunSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gradient compression on the wire (--compress): fp16 and bf16 send half the bytes (over TCP, where
 * the group counts them) and train 20 steps of momentum SGD on 2 workers to parameters close to the
 * float32 run's, the coarser bf16 further off, every worker alike.
 */
@Timeout(300)
class CompressionTrainingTest {
  private static TrainConfigBuilder config(Compression c) {
    return config(CompressionSpec.of(c));
  }

  private static TrainConfigBuilder config(CompressionSpec c) {
    return TrainConfig.builder()
        .model("mlp")
        .optimizer("sgd")
        .momentum(0.9f)
        .learningRate(0.05f)
        .batch(16)
        .seed(4)
        .trainLimit(2048)
        .testLimit(200)
        .maxSteps(20)
        .progress(false)
        .compression(c);
  }

  private static List<float[]> train(Path dir, TrainConfig cfg) throws Exception {
    return ParamDumps.trainTwoOverTcp(dir, cfg);
  }

  private static RunSummary.Traffic traffic(Path run) throws Exception {
    return RunSummary.read(run.resolve(RunSummary.FILE)).traffic();
  }

  @Test
  void sixteenBitGradientsShouldHalveTheBytesAndTrainAsFloat32Does(@TempDir Path dir)
      throws Exception {
    Path plainRun = dir.resolve("plain");
    List<float[]> plain =
        train(plainRun, config(Compression.NONE).runDir(plainRun.resolve("run")).build());
    long plainBytes = traffic(plainRun.resolve("run")).sentBytesPerStep();
    double[] drifts = new double[2];
    for (Compression c : List.of(Compression.FP16, Compression.BF16)) {
      Path run = dir.resolve(c.label());
      List<float[]> got = train(run, config(c).runDir(run.resolve("run")).build());
      assertThat(got.get(1)).as("%s: rank 1 holds rank 0's", c).isEqualTo(got.get(0));
      double drift = ParamDumps.relative(got.get(0), plain.get(0));
      // Measured: 4.0e-3 (fp16, 11 significant bits) and 1.9e-2 (bf16, 8 bits).
      assertThat(drift)
          .as("%s: relative difference from float32 after 20 steps", c)
          .isGreaterThan(0)
          .isLessThan(c == Compression.FP16 ? 1e-2 : 5e-2);
      drifts[c.ordinal() - 1] = drift;
      RunSummary.Traffic t = traffic(run.resolve("run"));
      assertThat((double) t.sentBytesPerStep())
          .isCloseTo(plainBytes / 2.0, withinPercentage(0.5)); // and the scales: 2 B per 256
      assertThat((double) t.sentBytesPerStep())
          .isCloseTo(t.formulaBytesPerStep(), within(64.0)); // even chunks, each behind its scale
    }
    assertThat(drifts[1]).as("bf16 rounds more coarsely than fp16").isGreaterThan(drifts[0]);
  }

  /**
   * PowerSGD and top-k after 4 plain steps: every worker alike, fewer bytes than float32 (as the
   * formula says), close to the float32 run; a checkpoint of step 10 resumes bit for bit, residuals
   * and warm starts included (without them the run would differ).
   */
  @Test
  void powerSgdAndTopKShouldSendLessAndResumeBitForBit(@TempDir Path dir) throws Exception {
    Path plainRun = dir.resolve("plain");
    List<float[]> plain =
        train(plainRun, config(Compression.NONE).runDir(plainRun.resolve("run")).build());
    long plainBytes = traffic(plainRun.resolve("run")).sentBytesPerStep();
    for (String spec : List.of("powersgd:2", "topk:0.05")) {
      CompressionSpec c = CompressionSpec.parse(spec, 4);
      Path run = dir.resolve(c.kind().label());
      List<float[]> got =
          train(run, config(c).checkpointEvery(10).runDir(run.resolve("run")).build());
      assertThat(got.get(1)).as("%s: rank 1 holds rank 0's", spec).isEqualTo(got.get(0));
      double drift = ParamDumps.relative(got.get(0), plain.get(0));
      System.out.printf("%s: relative difference from float32 %.2e%n", spec, drift);
      assertThat(drift).as("%s: relative difference from float32", spec).isBetween(1e-4, 0.1);
      RunSummary.Traffic t = traffic(run.resolve("run"));
      assertThat((double) t.sentBytesPerStep())
          .as("%s: 4 plain steps of 20, then the hook's", spec)
          .isCloseTo(t.formulaBytesPerStep(), withinPercentage(1))
          .isLessThan(plainBytes * 0.5);
      Path ckpt20 = run.resolve("run").resolve("checkpoints").resolve("ckpt-000000020");
      try (var files = Files.walk(ckpt20)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
      Path again = dir.resolve(c.kind().label() + "-again");
      List<float[]> resumed =
          train(
              again, config(c).resumeFrom(run.resolve("run")).runDir(again.resolve("run")).build());
      assertThat(resumed.get(0)).as("%s resumed from step 10", spec).isEqualTo(got.get(0));
    }
  }

  @Test
  void whatCompressionDoesNotGoWithShouldBeRefused(@TempDir Path dir) {
    assertThat(refusal(dir, "--model", "mlp", "--compress", "int8"))
        .contains("--compress must be one of [none, fp16, bf16, powersgd, topk]");
    assertThat(refusal(dir, "--model", "mlp", "--compress", "topk:0"))
        .contains("--compress topk:F needs a fraction 0 < F <= 1");
    assertThat(refusal(dir, "--model", "mlp", "--compress", "fp16", "--compress-start", "3"))
        .contains("--compress-start is for --compress powersgd or topk, not fp16");
    assertThat(refusal(dir, "--model", "mlp", "--compress", "fp16", "--zero", "1"))
        .contains("leave out --zero");
    assertThat(refusal(dir, "--model", "mlp", "--compress", "bf16", "--local-sgd", "2"))
        .contains("leave out --local-sgd");
    assertThat(refusal(dir, "--model", "mlp", "--compress", "fp16", "--backward-segments", "2"))
        .contains("leave out --backward-segments and --no-overlap");
    assertThat(refusal(dir, "--model", "gpt-tiny", "--compress", "fp16"))
        .contains("--compress fp16 is for data parallelism");
  }

  private static String refusal(Path dir, String... args) {
    return PipelineTrainingTest.refusal(dir, args);
  }
}
