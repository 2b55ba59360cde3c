package dev.cohort.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code cohort} command. */
@Command(
    name = "cohort",
    mixinStandardHelpOptions = true,
    version = "cohort 0.1.0",
    description = "Distributed deep-learning training for the JVM.",
    subcommands = {
      QuickstartCommand.class,
      TrainCommand.class,
      WorkerCommand.class,
      StoreCommand.class,
      BenchCommand.class,
      LabCommand.class,
      PlanCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
