package dev.cohort.cli;

import dev.cohort.cli.sweep.SweepCommand;
import dev.cohort.lab.chaos.ChaosRun;
import dev.cohort.train.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cohort lab}: experiments about efficiency and reliability. */
@Command(
    name = "lab",
    mixinStandardHelpOptions = true,
    description = "Experiments.",
    subcommands = {LabCommand.Chaos.class, CalibrateCommand.class, SweepCommand.class})
final class LabCommand implements Runnable {

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  @Command(
      name = "chaos",
      mixinStandardHelpOptions = true,
      description =
          "Train while SIGKILLing random workers; report detection time, restart time "
              + "and work lost per failure, and compare accuracy with an uninterrupted run.")
  static final class Chaos implements Callable<Integer> {
    @Option(
        names = "--nproc",
        defaultValue = "2",
        description = "Workers (default ${DEFAULT-VALUE}).")
    int nproc;

    @Option(
        names = "--kills",
        defaultValue = "3",
        description = "SIGKILLs (default ${DEFAULT-VALUE}).")
    int kills;

    @Option(
        names = "--checkpoint-every",
        defaultValue = "20",
        description = "Checkpoint interval in steps (default ${DEFAULT-VALUE}).")
    int every;

    @Option(
        names = "--model",
        defaultValue = "mlp",
        description = "Model (default ${DEFAULT-VALUE}).")
    String model;

    @Option(
        names = "--epochs",
        defaultValue = "1",
        description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(
        names = "--train-limit",
        defaultValue = "0",
        description = "Training samples (default: all).")
    int trainLimit;

    @Option(
        names = "--seed",
        defaultValue = "7",
        description = "Chaos seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
        names = "--out",
        defaultValue = "docs/benchmarks",
        description = "Report folder (default ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
      if (nproc < 1 || kills < 0 || every < 1) {
        System.err.println(
            "cohort lab chaos: need --nproc >= 1, --kills >= 0, --checkpoint-every >= 1");
        return 2;
      }
      TrainConfig train;
      try {
        train =
            TrainConfig.builder()
                .model(model)
                .epochs(epochs)
                .batch(32)
                .trainLimit(trainLimit)
                .build();
      } catch (IllegalArgumentException e) {
        System.err.println("cohort lab chaos: " + e.getMessage());
        return 2;
      }
      new ChaosRun(
              new ChaosRun.Options(
                  nproc,
                  train,
                  every,
                  kills,
                  seed,
                  out,
                  Files.createTempDirectory("cohort-chaos-")),
              System.out)
          .run();
      return 0;
    }
  }
}
