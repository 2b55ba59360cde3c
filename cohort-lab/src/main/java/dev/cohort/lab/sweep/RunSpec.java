package dev.cohort.lab.sweep;

import dev.cohort.launch.WorkerArgs;
import dev.cohort.train.TrainConfig;
import java.nio.file.Path;
import java.util.Locale;

/**
 * One configuration of a sweep.
 *
 * @param group what the run is for: calibration, scaling, latency, bandwidth, algorithm, bucket,
 *     batch, seed (reports pick their runs by group)
 * @param network a {@link dev.cohort.lab.net.NetworkCondition} spec
 * @param optimizer adam, or sgd (with momentum 0.9)
 * @param threads libtorch threads per worker; 0 for the launcher's default (cores / workers)
 * @param maxSteps stop after this many steps (0: run all epochs)
 */
public record RunSpec(
    String group,
    String model,
    int workers,
    int globalBatch,
    double bucketMb,
    String algorithm,
    String network,
    String optimizer,
    float lr,
    int warmup,
    int seed,
    int epochs,
    int maxSteps,
    int trainLimit,
    int testLimit,
    int threads) {

  public RunSpec {
    if (workers < 1 || globalBatch % workers != 0) {
      throw new IllegalArgumentException(
          "run "
              + group
              + ": the global batch "
              + globalBatch
              + " must split evenly over "
              + workers
              + " workers");
    }
  }

  public int batchPerWorker() {
    return globalBatch / workers;
  }

  /** A short unique name, also the run's folder. */
  public String id() {
    return String.format(
        Locale.ROOT,
        "%s-%s-n%d-b%d-%s-%s-bk%s-%s%s-w%d-s%d-t%d",
        group,
        model,
        workers,
        globalBatch,
        algorithm,
        network.replaceAll("[^A-Za-z0-9.]+", "_"),
        bucketMb,
        optimizer,
        lr,
        warmup,
        seed,
        threads);
  }

  /** The same run in another group with another worker count and network. */
  public RunSpec with(String group, int workers, String network) {
    return new RunSpec(
        group,
        model,
        workers,
        globalBatch,
        bucketMb,
        algorithm,
        network,
        optimizer,
        lr,
        warmup,
        seed,
        epochs,
        maxSteps,
        trainLimit,
        testLimit,
        threads);
  }

  /** The same run with another global batch, learning rate and warm-up. */
  public RunSpec withBatch(int globalBatch, float lr, int warmup) {
    return new RunSpec(
        group,
        model,
        workers,
        globalBatch,
        bucketMb,
        algorithm,
        network,
        optimizer,
        lr,
        warmup,
        seed,
        epochs,
        maxSteps,
        trainLimit,
        testLimit,
        threads);
  }

  /** The same run with another all-reduce algorithm, bucket size and seed. */
  public RunSpec withComm(String algorithm, double bucketMb, int seed) {
    return new RunSpec(
        group,
        model,
        workers,
        globalBatch,
        bucketMb,
        algorithm,
        network,
        optimizer,
        lr,
        warmup,
        seed,
        epochs,
        maxSteps,
        trainLimit,
        testLimit,
        threads);
  }

  /** What each worker of this run trains, rank 0 writing to {@code runDir}; no progress bar. */
  public TrainConfig trainConfig(Path runDir) {
    return TrainConfig.builder()
        .model(model)
        .batch(batchPerWorker())
        .bucketBytes(WorkerArgs.bucketBytes(bucketMb))
        .optimizer(optimizer)
        .momentum(optimizer.equals("sgd") ? 0.9f : 0f)
        .learningRate(lr)
        .warmupSteps(warmup)
        .seed(seed)
        .epochs(epochs)
        .maxSteps(maxSteps)
        .trainLimit(trainLimit)
        .testLimit(testLimit)
        .progress(false)
        .runDir(runDir)
        .build();
  }
}
