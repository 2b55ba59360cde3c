package dev.cohort.cli;

import dev.cohort.launch.WorkerArgs;
import dev.cohort.train.BufferSync;
import dev.cohort.train.Checkpointing;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.compress.CompressionSpec;
import dev.cohort.train.data.DistributedSampler;
import dev.cohort.train.data.FashionMnist;
import dev.cohort.train.data.text.Fortunes;
import dev.cohort.train.ddp.SegmentedBackward;
import dev.cohort.train.memory.ByteSize;
import dev.cohort.train.model.Models;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The training options shared by {@code cohort train} and {@code cohort worker}. Defaults are
 * {@link TrainConfig}'s {@code DEFAULT_*} constants; launchers write these options for their
 * workers with {@link WorkerArgs}.
 */
final class TrainOptions {
  @Mixin SplitOptions split;

  @Option(
      names = "--model",
      defaultValue = TrainConfig.DEFAULT_MODEL,
      description =
          "mlp, cnn, cnn-bn (with BatchNorm), mlp-dropout, mlp-wide, or the character-level "
              + "language model gpt (0.8M parameters) or gpt-tiny, trained on Debian's fortunes "
              + "(default ${DEFAULT-VALUE}).")
  String model;

  @Option(
      names = "--epochs",
      defaultValue = "" + TrainConfig.DEFAULT_EPOCHS,
      description = "Epochs (default ${DEFAULT-VALUE}).")
  int epochs;

  @Option(
      names = "--batch",
      defaultValue = "" + TrainConfig.DEFAULT_BATCH,
      description =
          "Samples per worker per micro-batch (default ${DEFAULT-VALUE}); the global batch "
              + "is batch x workers x accumulation.")
  int batch;

  @Option(
      names = "--accumulation",
      defaultValue = "" + TrainConfig.DEFAULT_ACCUMULATION,
      description = "Micro-batches per optimizer step (default ${DEFAULT-VALUE}).")
  int accumulation;

  @Option(
      names = "--optimizer",
      defaultValue = TrainConfig.DEFAULT_OPTIMIZER,
      description = "sgd or adam (default ${DEFAULT-VALUE}).")
  String optimizer;

  @Option(
      names = "--lr",
      defaultValue = "" + TrainConfig.DEFAULT_LEARNING_RATE,
      description = "Learning rate (default ${DEFAULT-VALUE}).")
  float lr;

  @Option(
      names = "--momentum",
      defaultValue = "" + TrainConfig.DEFAULT_MOMENTUM,
      description = "SGD momentum (default ${DEFAULT-VALUE}).")
  float momentum;

  @Option(
      names = "--scale-lr",
      description = "Multiply the learning rate by the number of workers.")
  boolean scaleLr;

  @Option(
      names = "--warmup",
      defaultValue = "" + TrainConfig.DEFAULT_WARMUP_STEPS,
      description = "Linear learning-rate warm-up steps (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--seed",
      defaultValue = "" + TrainConfig.DEFAULT_SEED,
      description = "Random seed (default ${DEFAULT-VALUE}).")
  int seed;

  @Option(
      names = "--bucket-mb",
      defaultValue = "" + TrainConfig.DEFAULT_BUCKET_BYTES / 1_000_000,
      description = "Gradient bucket size in MB (default ${DEFAULT-VALUE}).")
  double bucketMb;

  @Option(names = "--no-overlap", description = "All-reduce each bucket before packing the next.")
  boolean noOverlap;

  @Option(
      names = "--backward-segments",
      defaultValue = "" + TrainConfig.DEFAULT_BACKWARD_SEGMENTS,
      description =
          "Cut the model into K segments whose gradients are all-reduced while the earlier"
              + " segments' backward runs (default ${DEFAULT-VALUE}: after the whole backward)."
              + " With --zero 2 or 3, the segments ZeRO shards by (default, or 1: one per"
              + " block).")
  int backwardSegments;

  @Option(
      names = "--check-every",
      defaultValue = "" + TrainConfig.DEFAULT_CHECK_EVERY,
      description =
          "Compare parameter checksums across workers every N steps (default: at the end).")
  int checkEvery;

  @Option(
      names = "--remainder",
      defaultValue = "drop",
      description = "Last incomplete global batch: drop or pad (default ${DEFAULT-VALUE}).")
  String remainder;

  @Option(
      names = "--data",
      description =
          "Folder with the Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist, "
              + "from apt-get install dataset-fashion-mnist), or for gpt the fortunes (default "
              + "/usr/share/games/fortunes, from apt-get install fortunes).")
  Path data;

  @Option(
      names = "--buffer-sync",
      defaultValue = "broadcast",
      description =
          "How buffers such as BatchNorm running statistics stay identical on all workers after"
              + " each step: broadcast (rank 0's, as PyTorch DDP) or average (default"
              + " ${DEFAULT-VALUE}).")
  String bufferSync;

  @Option(
      names = "--sync-bn",
      description =
          "Replace BatchNorm by SyncBatchNorm: batch statistics over all workers' samples.")
  boolean syncBn;

  @Option(
      names = "--train-limit",
      defaultValue = "0",
      description = "Use only the first N training samples.")
  int trainLimit;

  @Option(
      names = "--test-limit",
      defaultValue = "0",
      description = "Use only the first N test samples.")
  int testLimit;

  @Option(names = "--max-steps", defaultValue = "0", description = "Stop after N optimizer steps.")
  int maxSteps;

  @Option(names = "--no-progress", description = "No progress bar.")
  boolean noProgress;

  @Option(
      names = "--checkpoint-every",
      defaultValue = "0",
      description = "Write a checkpoint every N steps into <run>/checkpoints (default: never).")
  int checkpointEvery;

  @Option(
      names = "--keep-checkpoints",
      defaultValue = "" + Checkpointing.DEFAULT_KEEP,
      description = "Checkpoints to keep (default ${DEFAULT-VALUE}).")
  int keepCheckpoints;

  @Option(
      names = "--clip-grad-norm",
      defaultValue = "0",
      description =
          "Scale the whole model's gradient down to this norm before each optimizer step when "
              + "it is longer, over every stage of a pipeline (default 0: no clipping).")
  float clipGradNorm;

  @Option(
      names = "--partition",
      defaultValue = "params",
      description =
          "How the language model's blocks are shared among the stages: params (balanced by"
              + " parameter count, the default), time (balanced by each block's forward and"
              + " backward, measured before training), or the blocks of each stage, e.g. 3,2,2.")
  String partition;

  @Option(
      names = "--generate",
      defaultValue = "" + TrainConfig.DEFAULT_GENERATE,
      description =
          "Characters the language model writes at the end of the run (default "
              + "${DEFAULT-VALUE}; 0: none).")
  int generate;

  @Option(
      names = "--memory-budget",
      defaultValue = "0",
      description =
          "The most memory one worker may hold for parameters, gradients, optimizer state, "
              + "activations and transfer buffers, e.g. 512MiB (default 0: no budget). A plan"
              + " that needs more is refused before training, with the plans that fit: pipelines"
              + " for the language model, ZeRO stages for data parallelism (which does not count"
              + " activations).")
  String memoryBudget;

  @Option(
      names = "--zero",
      defaultValue = "0",
      description =
          "ZeRO stage of data parallelism: 0 (default: every worker holds everything), 1 (the"
              + " optimizer's state sharded over the workers: gradients reduce-scattered, each"
              + " worker updates its shard, parameters all-gathered), 2 (the gradients sharded"
              + " too, reduce-scattered block by block during the backward pass) or 3 (the"
              + " parameters too, gathered block by block for the forward pass and again for the"
              + " backward pass).")
  int zero;

  @Option(
      names = "--local-sgd",
      defaultValue = "0",
      paramLabel = "H",
      description =
          "Local SGD: each worker steps on its own gradients, and the parameters are averaged"
              + " over the workers every H steps (and before every evaluation and checkpoint);"
              + " default 0: gradients averaged every step.")
  int localSgd;

  @Option(
      names = "--compress",
      defaultValue = "none",
      description =
          "What gradients travel as in data parallelism's all-reduce: none (default: float32),"
              + " fp16 or bf16 (16 bits on the wire, added up in float32: half the bytes),"
              + " powersgd[:R] (rank-R factors of each matrix, default R 4) or topk[:F] (the"
              + " largest fraction F of each bucket, default 0.01); powersgd and topk keep what"
              + " they leave out for the next step (error feedback).")
  String compress;

  @Option(
      names = "--compress-start",
      paramLabel = "STEPS",
      description =
          "With --compress powersgd or topk: steps averaged with the plain all-reduce before"
              + " compression starts (default 10).")
  Integer compressStart;

  @Option(
      names = "--pipeline",
      defaultValue = "1",
      description =
          "Ranks per pipeline for the language model (default 1: none); the workers form "
              + "nproc / pipeline pipelines, data-parallel among themselves.")
  int pipeline;

  @Option(
      names = "--schedule",
      defaultValue = "1f1b",
      description =
          "Pipeline schedule: gpipe, 1f1b or interleaved-1f1b (default ${DEFAULT-VALUE}).")
  String schedule;

  @Option(
      names = "--micro-batches",
      defaultValue = "1",
      description =
          "Micro-batches of --batch sequences per pipeline per step (default ${DEFAULT-VALUE}).")
  int microBatches;

  @Option(
      names = "--virtual-stages",
      defaultValue = "1",
      description = "Stages per rank, for interleaved-1f1b (default ${DEFAULT-VALUE}).")
  int virtualStages;

  @Option(
      names = "--resume",
      description = "Continue the run in this folder from its newest valid checkpoint.")
  Path resume;

  /** The data folder ({@code --data}, else the Debian package's: Fashion-MNIST or fortunes). */
  Path dataDir() {
    if (data != null) {
      return data;
    }
    return Models.isLanguageModel(model) ? Fortunes.DEFAULT_DIR : FashionMnist.DEFAULT_DIR;
  }

  /** Validated configuration; throws IllegalArgumentException with the offending option. */
  TrainConfig toConfig(Path runDir) {
    DistributedSampler.Remainder rem;
    try {
      rem = DistributedSampler.Remainder.valueOf(remainder.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--remainder must be drop or pad, got " + remainder);
    }
    BufferSync buffers;
    try {
      buffers = BufferSync.valueOf(bufferSync.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--buffer-sync must be broadcast or average, got " + bufferSync);
    }
    if (!Models.isKnown(model)) {
      throw new IllegalArgumentException(
          "--model must be one of "
              + Models.NAMES
              + " or "
              + Models.SIZED_GPT_NAMES
              + ", got "
              + model);
    }
    SegmentedBackward.check(Models.byName(model, 10), backwardSegments);
    return TrainConfig.builder()
        .model(model)
        .epochs(epochs)
        .batch(batch)
        .accumulation(accumulation)
        .optimizer(optimizer)
        .learningRate(lr)
        .momentum(momentum)
        .scaleLearningRate(scaleLr)
        .warmupSteps(warmup)
        .seed(seed)
        .bucketBytes(WorkerArgs.bucketBytes(bucketMb))
        .overlap(!noOverlap)
        .backwardSegments(backwardSegments)
        .checkEvery(checkEvery)
        .remainder(rem)
        .bufferSync(buffers)
        .syncBatchNorm(syncBn)
        .trainLimit(trainLimit)
        .testLimit(testLimit)
        .maxSteps(maxSteps)
        .runDir(runDir)
        .progress(!noProgress)
        .checkpointEvery(checkpointEvery)
        .keepCheckpoints(keepCheckpoints)
        .resumeFrom(resume)
        .pipeline(pipeline)
        .schedule(schedule)
        .microBatches(microBatches)
        .virtualStages(virtualStages)
        .clipGradNorm(clipGradNorm)
        .memoryBudget(ByteSize.parse(memoryBudget, "--memory-budget"))
        .generate(generate)
        .partition(partition)
        .split(split.toSplit())
        .zero(zero)
        .localSgd(localSgd)
        .compression(CompressionSpec.parse(compress, compressStart))
        .build();
  }
}
