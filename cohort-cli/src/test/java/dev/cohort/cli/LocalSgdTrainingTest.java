package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.train.TrainConfig;
import dev.cohort.train.TrainConfigBuilder;
import dev.cohort.train.metrics.RunSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local SGD (--local-sgd H): each worker steps on its own gradients and the parameters, with the
 * optimizer's state, are averaged every H steps. With momentum SGD and H = 1 it is data parallelism
 * (the update is linear in the gradients); with H = 4 every worker ends with the same parameters,
 * which differ from data parallelism's, and sends half the bytes (the parameters and the momenta, a
 * quarter as often). Its checkpoints, which average first, resume bit for bit.
 */
@Timeout(300)
class LocalSgdTrainingTest {
  private static TrainConfigBuilder config(int localSgd) {
    return TrainConfig.builder()
        .model("mlp")
        .optimizer("sgd")
        .momentum(0.9f)
        .learningRate(0.05f)
        .batch(16)
        .seed(9)
        .trainLimit(2048)
        .testLimit(200)
        .maxSteps(20)
        .progress(false)
        .localSgd(localSgd);
  }

  private static List<float[]> train(Path dir, TrainConfig cfg) throws Exception {
    return ParamDumps.trainTwoOverTcp(dir, cfg);
  }

  @Test
  void averagingEveryStepShouldBeDataParallelismAndEveryFourthAQuarterOfItsTraffic(
      @TempDir Path dir) throws Exception {
    Path plainRun = dir.resolve("plain");
    List<float[]> plain = train(plainRun, config(0).runDir(plainRun.resolve("run")).build());
    Path oneRun = dir.resolve("h1");
    List<float[]> one = train(oneRun, config(1).runDir(oneRun.resolve("run")).build());
    assertThat(ParamDumps.relative(one.get(0), plain.get(0))).as("H = 1").isLessThan(1e-6);
    Path fourRun = dir.resolve("h4");
    List<float[]> four = train(fourRun, config(4).runDir(fourRun.resolve("run")).build());
    assertThat(four.get(1)).as("rank 1 after the last averaging").isEqualTo(four.get(0));
    assertThat(ParamDumps.relative(four.get(0), plain.get(0)))
        .as("H = 4 is not data parallelism")
        .isGreaterThan(1e-4);
    RunSummary.Traffic plainSent =
        RunSummary.read(plainRun.resolve("run").resolve(RunSummary.FILE)).traffic();
    RunSummary.Traffic fourSent =
        RunSummary.read(fourRun.resolve("run").resolve(RunSummary.FILE)).traffic();
    // Over 20 steps, 5 averagings of the parameters and the momenta: 2 x 1/4 of the gradients'.
    assertThat(fourSent.sentBytesPerStep()).isEqualTo(fourSent.formulaBytesPerStep());
    assertThat(fourSent.sentBytesPerStep()).isEqualTo(plainSent.sentBytesPerStep() / 2);
    assertThat(fourSent.formula()).isEqualTo("2(N-1)/N x 4(1 + k)Ψ / H");
  }

  @Test
  void aCheckpointShouldResumeBitwise(@TempDir Path dir) throws Exception {
    Path run = dir.resolve("straight");
    // Every 6 steps with H = 4: a checkpoint averages first, so it holds one model even between
    // averagings, and the run goes on from that average (so the resumed run takes the same
    // checkpoints).
    List<float[]> straight =
        train(run, config(4).checkpointEvery(6).runDir(run.resolve("run")).build());
    Path ckpt18 = run.resolve("run").resolve("checkpoints").resolve("ckpt-000000018");
    assertThat(ckpt18).isDirectory();
    try (var files = Files.walk(ckpt18)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
    Path again = dir.resolve("again");
    List<float[]> resumed =
        train(
            again,
            config(4)
                .checkpointEvery(6)
                .resumeFrom(run.resolve("run"))
                .runDir(again.resolve("run"))
                .build());
    assertThat(resumed.get(0)).as("resumed from step 12").isEqualTo(straight.get(0));
  }

  @Test
  void whatLocalSgdDoesNotTrainWithShouldBeRefused(@TempDir Path dir) {
    String[] mlp = {"--nproc", "2", "--model", "mlp", "--local-sgd", "4"};
    assertThat(refusal(dir, mlp, "--zero", "1")).contains("leave out --zero");
    assertThat(refusal(dir, mlp, "--check-every", "5")).contains("leave it out");
    assertThat(refusal(dir, mlp, "--backward-segments", "2"))
        .contains("leave out --backward-segments and --no-overlap");
    assertThat(refusal(dir, mlp, "--no-overlap")).contains("leave out --backward-segments");
    assertThat(refusal(dir, new String[] {"--model", "cnn-bn", "--local-sgd", "4", "--sync-bn"}))
        .contains("leave out --sync-bn");
    assertThat(refusal(dir, new String[] {"--model", "gpt-tiny", "--local-sgd", "2"}))
        .contains("--local-sgd 2 is for data parallelism");
    assertThat(refusal(dir, new String[] {"--model", "mlp", "--local-sgd", "-1"}))
        .contains("--local-sgd must be >= 0, got -1");
  }

  private static String refusal(Path dir, String[] base, String... more) {
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return PipelineTrainingTest.refusal(dir, all);
  }
}
