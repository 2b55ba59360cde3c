package dev.cohort.cli;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.CommException;
import dev.cohort.comm.World;
import dev.cohort.train.TrainWorker;
import dev.cohort.train.ddp.DivergenceException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cohort worker}: one training worker that joins its world from the environment (see {@link
 * World#fromEnvironment()}), e.g. {@code mpirun -np 4 -x COHORT_SECRET bin/cohort worker}.
 */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description =
        "Run one training worker; rank and world come from the environment "
            + "(cohort train, torchrun-style variables, mpirun or srun).")
final class WorkerCommand implements Callable<Integer> {
  @Mixin TrainOptions train;

  @Option(
      names = "--run-dir",
      description = "Where rank 0 writes config.json, summary.json, metrics.csv.")
  Path runDir;

  @Option(
      names = "--dump-params",
      hidden = true,
      description = "Write each rank's final model state to FILE.rank<r> (for equivalence tests).")
  Path dumpParams;

  @Override
  public Integer call() {
    try {
      World world = World.fromEnvironment();
      TrainWorker.Job job =
          new TrainWorker.Job(train.toConfig(runDir), train.dataDir(), dumpParams);
      TrainWorker.run(CommConfig.fromEnvironment(), world, job, System.out);
      return 0;
    } catch (IllegalArgumentException
        | IllegalStateException
        | IOException
        | CommException
        | DivergenceException
        | UncheckedIOException e) {
      System.err.println("cohort worker: " + e.getMessage());
      return e instanceof IllegalArgumentException ? 2 : 1;
    }
  }
}
