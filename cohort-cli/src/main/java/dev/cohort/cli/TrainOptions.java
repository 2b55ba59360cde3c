package dev.cohort.cli;

import dev.cohort.train.TrainConfig;
import dev.cohort.train.data.DistributedSampler;
import dev.cohort.train.data.FashionMnist;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The training options shared by {@code cohort train}, {@code cohort worker} and quickstart. */
final class TrainOptions {
  @Option(names = "--model", defaultValue = "cnn", description = "mlp or cnn (default ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--epochs", defaultValue = "1", description = "Epochs (default ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--batch", defaultValue = "64",
      description = "Samples per worker per micro-batch (default ${DEFAULT-VALUE}); the global batch "
          + "is batch x workers x accumulation.")
  int batch;

  @Option(names = "--accumulation", defaultValue = "1",
      description = "Micro-batches per optimizer step (default ${DEFAULT-VALUE}).")
  int accumulation;

  @Option(names = "--optimizer", defaultValue = "adam", description = "sgd or adam (default ${DEFAULT-VALUE}).")
  String optimizer;

  @Option(names = "--lr", defaultValue = "0.001", description = "Learning rate (default ${DEFAULT-VALUE}).")
  float lr;

  @Option(names = "--momentum", defaultValue = "0", description = "SGD momentum (default ${DEFAULT-VALUE}).")
  float momentum;

  @Option(names = "--scale-lr", description = "Multiply the learning rate by the number of workers.")
  boolean scaleLr;

  @Option(names = "--warmup", defaultValue = "0",
      description = "Linear learning-rate warm-up steps (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--seed", defaultValue = "42", description = "Random seed (default ${DEFAULT-VALUE}).")
  int seed;

  @Option(names = "--bucket-mb", defaultValue = "25",
      description = "Gradient bucket size in MB (default ${DEFAULT-VALUE}).")
  double bucketMb;

  @Option(names = "--no-overlap", description = "All-reduce each bucket before packing the next.")
  boolean noOverlap;

  @Option(names = "--check-every", defaultValue = "0",
      description = "Compare parameter checksums across workers every N steps (default: at the end).")
  int checkEvery;

  @Option(names = "--remainder", defaultValue = "drop",
      description = "Last incomplete global batch: drop or pad (default ${DEFAULT-VALUE}).")
  String remainder;

  @Option(names = "--data", description = "Folder with the Fashion-MNIST IDX files "
      + "(default /usr/share/datasets/fashion-mnist, from apt-get install dataset-fashion-mnist).")
  Path data;

  @Option(names = "--train-limit", defaultValue = "0", description = "Use only the first N training samples.")
  int trainLimit;

  @Option(names = "--test-limit", defaultValue = "0", description = "Use only the first N test samples.")
  int testLimit;

  @Option(names = "--max-steps", defaultValue = "0", description = "Stop after N optimizer steps.")
  int maxSteps;

  @Option(names = "--no-progress", description = "No progress bar.")
  boolean noProgress;

  @Option(names = "--checkpoint-every", defaultValue = "0",
      description = "Write a checkpoint every N steps into <run>/checkpoints (default: never).")
  int checkpointEvery;

  @Option(names = "--keep-checkpoints", defaultValue = "3",
      description = "Checkpoints to keep (default ${DEFAULT-VALUE}).")
  int keepCheckpoints;

  @Option(names = "--resume", description = "Continue the run in this folder from its newest valid checkpoint.")
  Path resume;

  /** Validated configuration; throws IllegalArgumentException with the offending option. */
  TrainConfig toConfig(Path runDir) {
    DistributedSampler.Remainder rem;
    try {
      rem = DistributedSampler.Remainder.valueOf(remainder.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--remainder must be drop or pad, got " + remainder);
    }
    if (!dev.cohort.train.model.Models.NAMES.contains(model)) {
      throw new IllegalArgumentException("--model must be one of " + dev.cohort.train.model.Models.NAMES
          + ", got " + model);
    }
    return new TrainConfig(model, epochs, batch, accumulation, optimizer, lr, momentum, scaleLr,
        warmup, seed, (long) (bucketMb * 1_000_000), !noOverlap, checkEvery, rem,
        data == null ? FashionMnist.DEFAULT_DIR : data, trainLimit, testLimit, maxSteps, runDir,
        !noProgress, new dev.cohort.train.Checkpointing(checkpointEvery, keepCheckpoints, resume));
  }

  /** The same options as arguments, to hand to worker processes. */
  List<String> toArgs() {
    List<String> a = new ArrayList<>(List.of("--model", model, "--epochs", "" + epochs, "--batch",
        "" + batch, "--accumulation", "" + accumulation, "--optimizer", optimizer, "--lr", "" + lr,
        "--momentum", "" + momentum, "--warmup", "" + warmup, "--seed", "" + seed, "--bucket-mb",
        "" + bucketMb, "--check-every", "" + checkEvery, "--remainder", remainder, "--train-limit",
        "" + trainLimit, "--test-limit", "" + testLimit, "--max-steps", "" + maxSteps));
    if (scaleLr) {
      a.add("--scale-lr");
    }
    if (noOverlap) {
      a.add("--no-overlap");
    }
    if (noProgress) {
      a.add("--no-progress");
    }
    a.addAll(List.of("--checkpoint-every", "" + checkpointEvery, "--keep-checkpoints",
        "" + keepCheckpoints));
    if (resume != null) {
      a.add("--resume");
      a.add(resume.toString());
    }
    if (data != null) {
      a.add("--data");
      a.add(data.toString());
    }
    return a;
  }
}
