package com.example;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.ArrayDataset;
import dev.cohort.comm.Cohort;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.ddp.DistributedTrainer;
import java.nio.file.Path;

/**
 * Trains {@link OwnModel} on Fashion-MNIST with data parallelism: one process per rank, each on its
 * share of every batch, gradients averaged over all of them. Start it as N ranks with any launcher
 * Cohort understands; every rank runs this same program:
 *
 * <pre>
 * bin/cohort run --nproc 2 -- java -cp target/own-model.jar com.example.Train --epochs 1
 * srun -n 2 java -cp target/own-model.jar com.example.Train --run-dir /shared/run
 * mpirun -np 2 -x COHORT_SECRET java -cp target/own-model.jar com.example.Train --run-dir run
 * </pre>
 *
 * <p>Arguments: {@code --epochs N} (default 1), {@code --batch N} (samples per rank and step,
 * default 64), {@code --train-limit N} (train on the first N images; default 0: all 60,000), {@code
 * --run-dir DIR} (the run folder; default the one {@code cohort run} gives, COHORT_RUN_DIR).
 *
 * <p>Rank 0 writes into the run folder: config.json, metrics.csv (one line per step), checkpoints
 * every 50 steps, and at the end the trained model in DJL's format under {@code model/}, which
 * {@link Predict} loads with plain DJL. Rank 0 prints {@code test accuracy 0.xxxx} last.
 */
public final class Train {
  private static final String OPTIONS = "--epochs, --batch, --train-limit, --run-dir";

  private Train() {}

  /** What the command line asked for. */
  record Args(int epochs, int batch, int trainLimit, Path runDir) {
    static Args parse(String[] args) {
      int epochs = 1;
      int batch = 64;
      int trainLimit = 0;
      Path runDir = null;
      for (int i = 0; i < args.length; i++) {
        String value = i + 1 < args.length ? args[i + 1] : null;
        switch (args[i]) {
          case "--epochs" -> epochs = Integer.parseInt(required(args[i], value));
          case "--batch" -> batch = Integer.parseInt(required(args[i], value));
          case "--train-limit" -> trainLimit = Integer.parseInt(required(args[i], value));
          case "--run-dir" -> runDir = Path.of(required(args[i], value));
          default ->
              throw new IllegalArgumentException(
                  "unknown argument '" + args[i] + "'; expected one of " + OPTIONS);
        }
        i++;
      }
      // An explicit --run-dir wins; otherwise the folder cohort run made for this run.
      if (runDir == null) {
        runDir =
            Cohort.runDir()
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            "no run folder: start under `cohort run` (which sets COHORT_RUN_DIR)"
                                + " or pass --run-dir DIR"));
      }
      return new Args(epochs, batch, trainLimit, runDir);
    }

    private static String required(String option, String value) {
      if (value == null) {
        throw new IllegalArgumentException(option + " needs a value");
      }
      return value;
    }
  }

  public static void main(String[] argv) {
    Args args;
    try {
      args = Args.parse(argv);
    } catch (IllegalArgumentException e) {
      System.err.println("Train: " + e.getMessage());
      System.exit(2);
      return;
    }
    Path run = args.runDir();

    // The data lives in this manager until training is over. Load it before joining the world:
    // a rank that cannot read its data then fails alone, before the others wait for it.
    try (NDManager data = NDManager.newBaseManager()) {
      ArrayDataset trainSet = FashionData.train(data, args.trainLimit(), args.batch());
      ArrayDataset testSet = FashionData.test(data, 0, args.batch());

      // Join the world: rank, world size, the store's address and the shared secret come from the
      // environment that cohort run, srun or mpirun left.
      try (ProcessGroup pg = Cohort.init()) {
        boolean rank0 = pg.rank() == 0;
        TrainConfig cfg =
            TrainConfig.builder()
                .model("own-model") // the model's name: the saved file is own-model-0000.params
                .epochs(args.epochs())
                .batch(args.batch()) // per rank: 2 ranks of 64 make a global batch of 128
                .trainLimit(args.trainLimit())
                .optimizer("adam")
                .runDir(run)
                .checkpointEvery(50)
                // After a restart (cohort run --max-restarts) the newest checkpoint is here: go on
                // from it. On a first start there is none, and training starts fresh.
                .resumeFromLatest(run)
                .progress(rank0) // rank 0 draws a progress bar
                .build();

        // Rank 0 writes the run folder: config.json, metrics.csv, summary.json, checkpoints/ and
        // the trained model in DJL's format (model/own-model-0000.params).
        try (DistributedTrainer.Result r =
            DistributedTrainer.builder(pg)
                .config(cfg)
                .model(() -> OwnModel.build(10)) // every rank builds the same model
                .build()
                .train(trainSet, testSet)) {
          if (rank0) {
            System.out.printf("model saved to %s%n", run.resolve(DistributedTrainer.MODEL_DIR));
            System.out.printf("test accuracy %.4f%n", r.finalTestAccuracy());
          }
        }
      }
    }
  }
}
