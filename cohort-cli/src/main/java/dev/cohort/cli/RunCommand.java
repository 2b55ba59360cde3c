package dev.cohort.cli;

import dev.cohort.comm.CommException;
import dev.cohort.launch.elastic.WorkerRange;
import dev.cohort.launch.program.ProgramLauncher;
import dev.cohort.launch.program.ProgramRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cohort run --nproc N -- PROGRAM [ARGS...]}: any program as N ranks on this host. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    modelTransformer = RunCommand.ProgramOwnsTheRest.class,
    description = {
      "Run any program as the N ranks of a world on this host (like torchrun):",
      "  cohort run --nproc 2 -- java -cp app.jar com.example.Main",
      "Each rank gets RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT,",
      "COHORT_SECRET, COHORT_RUN_DIR and COHORT_RESTART_COUNT, which Cohort.init()",
      "reads. Output is shown behind [rank r] and kept in RUN_DIR/rank-<r>.log.",
      "When a rank fails, the others are stopped and the run exits with its status."
    })
final class RunCommand implements Callable<Integer> {
  @Option(
      names = "--nproc",
      required = true,
      description = "Processes: N, or MIN:MAX to restart with one fewer after a failure.")
  String nprocSpec;

  @Option(
      names = "--max-restarts",
      defaultValue = "0",
      description =
          "When a rank fails, restart the whole world up to N times (default ${DEFAULT-VALUE}); "
              + "the program resumes from its own checkpoints in COHORT_RUN_DIR.")
  int maxRestarts;

  @Option(
      names = "--hang-timeout",
      defaultValue = "0",
      description =
          "Seconds without output from any rank after which the world counts as hung "
              + "(default ${DEFAULT-VALUE}: never).")
  long hangTimeout;

  @Option(names = "--run-dir", description = "Run folder (default runs/<time>-run-np<N>).")
  Path runDir;

  @Parameters(
      arity = "0..*",
      paramLabel = "PROGRAM",
      description = "The program and its arguments, after --.")
  List<String> command = new ArrayList<>();

  @Mixin DashboardOptions dashboard;

  @Spec CommandSpec spec;

  /** From the program's name on, every argument is the program's, with or without "--". */
  static final class ProgramOwnsTheRest implements CommandLine.IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec command) {
      command.parser().stopAtPositional(true);
      return command;
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter err = spec.commandLine().getErr();
    ProgramRun run;
    try {
      run =
          new ProgramRun(
              command,
              WorkerRange.parse(nprocSpec),
              maxRestarts,
              Duration.ofSeconds(hangTimeout),
              runDir);
      dashboard.check();
      ProgramLauncher.check(run); // a program that cannot run leaves nothing behind
    } catch (IllegalArgumentException e) {
      err.println("cohort run: " + e.getMessage());
      return 2;
    }
    DashboardOptions.Served served;
    try {
      served = dashboard.start(run.runDir(), () -> true, System.out);
    } catch (IOException e) {
      err.println("cohort run: " + e.getMessage());
      return 2;
    }
    try (served) {
      return new ProgramLauncher(System.out, err).run(run);
    } catch (IllegalArgumentException e) {
      err.println("cohort run: " + e.getMessage());
      return 2;
    } catch (IOException | CommException e) {
      err.println("cohort run: " + e.getMessage());
      return 1;
    }
  }
}
