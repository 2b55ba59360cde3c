package dev.cohort.cli;

import dev.cohort.cli.sweep.SweepCommand;
import dev.cohort.lab.chaos.ChaosFailure;
import dev.cohort.lab.chaos.ChaosRun;
import dev.cohort.lab.chaos.Target;
import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.train.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
          "Train while SIGKILLing random workers and, separately, the launcher (a cohort train"
              + " process of its own); check that no worker outlives a killed launcher and that"
              + " every resume starts from the newest complete checkpoint; report detection time,"
              + " restart time and steps lost per kill, and compare the result with an"
              + " uninterrupted run.",
      footer = {
        "",
        "Exit status: 0 when every check passed (report written); 1 when one failed (an orphan,",
        "a kill not noticed, a resume from an older checkpoint, a different result), in one line;",
        "2 for invalid options."
      })
  static final class Chaos implements Callable<Integer> {
    @Option(
        names = "--nproc",
        defaultValue = "2",
        description = "Workers (default ${DEFAULT-VALUE}).")
    int nproc;

    @Option(
        names = "--target",
        defaultValue = "both",
        description =
            "What to SIGKILL: workers, launcher, or both, one run each (default ${DEFAULT-VALUE}).")
    String target;

    @Option(
        names = "--kills",
        defaultValue = "3",
        description = "SIGKILLs per target (default ${DEFAULT-VALUE}).")
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
      ChaosRun.Options options;
      try {
        TrainConfig train =
            TrainConfig.builder()
                .model(model)
                .epochs(epochs)
                .batch(32)
                .trainLimit(trainLimit)
                .build();
        options =
            new ChaosRun.Options(
                nproc,
                train,
                every,
                kills,
                Target.parse(target),
                seed,
                out,
                Files.createTempDirectory("cohort-chaos-"),
                // The launcher target starts cohort train as a user would: this JVM, this class
                // path.
                JavaCommand.cohort(List.of()).toList(),
                commandLine());
      } catch (IllegalArgumentException e) {
        System.err.println("cohort lab chaos: " + e.getMessage());
        return 2;
      }
      try {
        new ChaosRun(options, System.out).run();
        return 0;
      } catch (ChaosFailure e) {
        System.err.println("cohort lab chaos: " + e.getMessage());
        return 1;
      } catch (IllegalArgumentException e) {
        System.err.println("cohort lab chaos: " + e.getMessage());
        return 2;
      }
    }

    /** This command with every option written out, as the report quotes it. */
    private String commandLine() {
      return String.join(
          " ",
          "bin/cohort lab chaos --target",
          target,
          "--kills",
          "" + kills,
          "--nproc",
          "" + nproc,
          "--checkpoint-every",
          "" + every,
          "--model",
          model,
          "--epochs",
          "" + epochs,
          "--train-limit",
          "" + trainLimit,
          "--seed",
          "" + seed,
          "--out",
          out.toString());
    }
  }
}
