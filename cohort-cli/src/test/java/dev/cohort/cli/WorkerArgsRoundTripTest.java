package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.launch.WorkerArgs;
import dev.cohort.train.BufferSync;
import dev.cohort.train.LayerSplit;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.data.DistributedSampler;
import dev.cohort.train.data.FashionMnist;
import dev.cohort.train.model.Models;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * What a launcher writes with {@link WorkerArgs}, {@code cohort worker} parses back into the same
 * configuration; and a worker given no options trains {@link TrainConfig}'s defaults.
 */
class WorkerArgsRoundTripTest {

  /** Parses {@code args} as the worker does. */
  private static WorkerCommand parse(List<String> args) {
    assertThat(args).first().isEqualTo("worker");
    WorkerCommand worker = new WorkerCommand();
    new CommandLine(worker).parseArgs(args.subList(1, args.size()).toArray(String[]::new));
    return worker;
  }

  private static TrainConfig roundTrip(TrainConfig config) {
    WorkerCommand worker = parse(WorkerArgs.of(config).toList());
    return worker.train.toConfig(worker.runDir);
  }

  @Test
  void aWorkerWithNoOptionsShouldTrainTheBuilderDefaults() {
    WorkerCommand worker = new WorkerCommand();
    new CommandLine(worker).parseArgs();
    assertThat(worker.train.toConfig(null))
        .isEqualTo(TrainConfig.builder().build())
        .isEqualTo(TrainConfig.defaults());
  }

  @Test
  void thePipelineOptionsShouldSurviveTheRoundTrip() {
    TrainConfig c =
        TrainConfig.builder()
            .model("gpt-tiny")
            .pipeline(2)
            .schedule("interleaved-1f1b")
            .microBatches(4)
            .virtualStages(2)
            .clipGradNorm(0.25f)
            .memoryBudget(3L << 30)
            .generate(17)
            .partition("2,1,1,1")
            .checkpointEvery(5)
            .resumeFrom(Path.of("runs", "lm"))
            .build();
    assertThat(roundTrip(c)).isEqualTo(c);
  }

  @Test
  void theSplitOptionsShouldSurviveTheRoundTrip() {
    TrainConfig tensor =
        TrainConfig.builder()
            .model("gpt-tiny")
            .split(new LayerSplit(2, 0, 1, 1.25, 0.01, 0))
            .build();
    assertThat(roundTrip(tensor)).isEqualTo(tensor);
    TrainConfig experts =
        TrainConfig.builder()
            .model("gpt-tiny")
            .split(new LayerSplit(1, 8, 2, 1.5, 0.02, 4))
            .build();
    assertThat(roundTrip(experts)).isEqualTo(experts);
    TrainConfig zero = TrainConfig.builder().model("mlp").zero(1).build();
    assertThat(roundTrip(zero)).isEqualTo(zero);
  }

  @Test
  void theDefaultsShouldSurviveTheRoundTrip() {
    assertThat(roundTrip(TrainConfig.defaults())).isEqualTo(TrainConfig.defaults());
  }

  @Test
  void everyOptionChangedShouldSurviveTheRoundTrip() {
    TrainConfig c =
        TrainConfig.builder()
            .model("mlp")
            .epochs(3)
            .batch(16)
            .accumulation(2)
            .optimizer("sgd")
            .learningRate(1e-30f)
            .momentum(0.9f)
            .scaleLearningRate(true)
            .warmupSteps(7)
            .seed(-5)
            .bucketBytes(1956)
            .overlap(false)
            .checkEvery(4)
            .remainder(DistributedSampler.Remainder.PAD)
            .bufferSync(BufferSync.AVERAGE)
            .syncBatchNorm(true)
            .trainLimit(4096)
            .testLimit(500)
            .maxSteps(60)
            .runDir(Path.of("runs/a b"))
            .progress(false)
            .checkpointEvery(10)
            .keepCheckpoints(2)
            .resumeFrom(Path.of("runs/c"))
            .build();
    assertThat(roundTrip(c)).isEqualTo(c);
  }

  @Test
  void backwardSegmentsShouldSurviveTheRoundTrip() {
    TrainConfig c = TrainConfig.builder().model("mlp-wide").backwardSegments(4).build();
    assertThat(roundTrip(c)).isEqualTo(c);
  }

  @Test
  void randomConfigurationsShouldSurviveTheRoundTrip() {
    Random random = new Random(11);
    // The image models: the language model takes no accumulation or segments.
    List<String> imageModels =
        Models.NAMES.stream().filter(n -> !Models.isLanguageModel(n)).toList();
    for (int i = 0; i < 500; i++) {
      int accumulation = random.nextBoolean() ? 1 : 1 + random.nextInt(8);
      boolean syncBatchNorm = random.nextBoolean();
      int segments = accumulation == 1 && !syncBatchNorm ? 1 + random.nextInt(4) : 1;
      TrainConfig c =
          TrainConfig.builder()
              .model(imageModels.get(random.nextInt(imageModels.size())))
              .epochs(1 + random.nextInt(100))
              .batch(1 + random.nextInt(1000))
              .accumulation(accumulation)
              .backwardSegments(segments)
              .optimizer(random.nextBoolean() ? "sgd" : "adam")
              .learningRate(Float.MIN_NORMAL + random.nextFloat())
              .momentum(random.nextFloat() * 0.999f)
              .scaleLearningRate(random.nextBoolean())
              .warmupSteps(random.nextInt(1000))
              .seed(random.nextInt())
              .bucketBytes(1024 + (long) (random.nextDouble() * 1e10))
              .overlap(random.nextBoolean())
              .checkEvery(random.nextInt(100))
              .remainder(
                  random.nextBoolean()
                      ? DistributedSampler.Remainder.DROP
                      : DistributedSampler.Remainder.PAD)
              .bufferSync(random.nextBoolean() ? BufferSync.BROADCAST : BufferSync.AVERAGE)
              .syncBatchNorm(syncBatchNorm)
              .trainLimit(random.nextInt(60_000))
              .testLimit(random.nextInt(10_000))
              .maxSteps(random.nextInt(10_000))
              .runDir(random.nextBoolean() ? null : Path.of("runs", "r" + i))
              .progress(random.nextBoolean())
              .checkpointEvery(random.nextInt(100))
              .keepCheckpoints(1 + random.nextInt(5))
              .resumeFrom(random.nextBoolean() ? null : Path.of("runs", "q" + i))
              .clipGradNorm(random.nextBoolean() ? 0 : random.nextFloat() * 10)
              .build();
      assertThat(roundTrip(c)).as("configuration %d: %s", i, c).isEqualTo(c);
    }
  }

  @Test
  void dumpParametersShouldReachTheWorker() {
    WorkerCommand worker =
        parse(
            WorkerArgs.of(TrainConfig.defaults())
                .withDumpParameters(Path.of("out/params"))
                .toList());
    assertThat(worker.dumpParams).isEqualTo(Path.of("out/params"));
  }

  @Test
  void theDataFolderShouldReachTheWorker() {
    WorkerCommand worker =
        parse(
            WorkerArgs.of(TrainConfig.defaults())
                .withDataDir(Path.of("/data/fashion mnist"))
                .toList());
    assertThat(worker.train.dataDir()).isEqualTo(Path.of("/data/fashion mnist"));
    assertThat(parse(WorkerArgs.of(TrainConfig.defaults()).toList()).train.dataDir())
        .isEqualTo(FashionMnist.DEFAULT_DIR);
  }

  @Test
  void theCommandLinesBucketMegabytesShouldBeMillionsOfBytes() {
    WorkerCommand worker = new WorkerCommand();
    new CommandLine(worker).parseArgs("--bucket-mb", "0.45");
    assertThat(worker.train.toConfig(null).bucketBytes()).isEqualTo(450_000);
  }
}
