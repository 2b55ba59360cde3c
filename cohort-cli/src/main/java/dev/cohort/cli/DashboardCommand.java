package dev.cohort.cli;

import dev.cohort.train.metrics.RankSteps;
import dev.cohort.train.metrics.RunSummary;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cohort dashboard RUN_DIR}: the dashboard of a run from its folder, until Ctrl-C. */
@Command(
    name = "dashboard",
    mixinStandardHelpOptions = true,
    description = {
      "Serve the dashboard of a run from its folder (finished, or still running elsewhere)",
      "until Ctrl-C: curves, step breakdown per rank, memory, checkpoints, restarts, alerts,",
      "and its Prometheus endpoint /metrics."
    })
final class DashboardCommand implements Callable<Integer> {
  /**
   * A steps file written within this long counts as a run still going: far longer than any
   * heartbeat alert waits, so that a hung run shows as live and raises it.
   */
  static final long LIVE_MS = 30 * 60_000;

  @Parameters(paramLabel = "RUN_DIR", description = "The run folder.")
  Path runDir;

  @Mixin DashboardOptions dashboard;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.isDirectory(runDir.resolve(RankSteps.FOLDER))
        && !Files.exists(runDir.resolve("metrics.csv"))) {
      err.println(
          "cohort dashboard: "
              + runDir
              + " is not a run folder (no ranks/ and no metrics.csv): give the folder that"
              + " cohort train or cohort run printed");
      return 2;
    }
    if (dashboard.off) {
      err.println("cohort dashboard: --no-dashboard leaves nothing to do");
      return 2;
    }
    try (DashboardOptions.Served served =
        dashboard.start(runDir, () -> running(runDir), System.out)) {
      System.out.println("serving until Ctrl-C");
      System.out.flush();
      StopSignal.closeOnStop(served, "the dashboard");
      return 0;
    } catch (IllegalArgumentException e) {
      err.println("cohort dashboard: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      err.println("cohort dashboard: " + e.getMessage());
      return 1;
    }
  }

  /**
   * Whether workers still write the folder: a steps file newer than the summary (a finished run
   * writes its summary after its last step), and written within {@value #LIVE_MS} ms (a run killed
   * outright writes no summary at all).
   */
  static boolean running(Path runDir) {
    try (Stream<Path> files = Files.list(runDir.resolve(RankSteps.FOLDER))) {
      FileTime newest =
          files
              .map(DashboardCommand::modified)
              .max(FileTime::compareTo)
              .orElse(FileTime.fromMillis(0));
      Path summary = runDir.resolve(RunSummary.FILE);
      boolean recent = System.currentTimeMillis() - newest.toMillis() < LIVE_MS;
      return recent && (!Files.exists(summary) || modified(summary).compareTo(newest) < 0);
    } catch (IOException | RuntimeException e) {
      return false; // no steps files: nothing runs that this could tell about
    }
  }

  private static FileTime modified(Path p) {
    try {
      return Files.getLastModifiedTime(p);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }
}
