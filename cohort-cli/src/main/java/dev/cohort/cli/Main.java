package dev.cohort.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code cohort} command. */
@Command(
    name = "cohort",
    mixinStandardHelpOptions = true,
    version = "cohort 0.1.0",
    description = "Distributed deep-learning training for the JVM.",
    modelTransformer = Main.VerbatimArguments.class,
    subcommands = {
      QuickstartCommand.class,
      TrainCommand.class,
      RunCommand.class,
      DashboardCommand.class,
      ModelsCommand.class,
      WorkerCommand.class,
      StoreCommand.class,
      SecretCommand.class,
      BenchCommand.class,
      LabCommand.class,
      PlanCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /**
   * Arguments reach the commands as typed: no {@code @file} expansion, which picocli would do on
   * every argument, even those after {@code --} that {@code cohort run} hands to another program.
   */
  static final class VerbatimArguments implements CommandLine.IModelTransformer {
    @Override
    public CommandLine.Model.CommandSpec transform(CommandLine.Model.CommandSpec command) {
      command.parser().expandAtFiles(false);
      return command;
    }
  }

  public static void main(String[] args) {
    ExitStatus exit = ExitStatus.install(); // the command's status, even after SIGTERM or Ctrl-C
    exit.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
