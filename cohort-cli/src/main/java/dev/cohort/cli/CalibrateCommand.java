package dev.cohort.cli;

import dev.cohort.lab.calibrate.CalibrationRun;
import dev.cohort.lab.calibrate.MachineCalibration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cohort lab calibrate}: measures what the planner's model needs on this machine (see {@link
 * CalibrationRun}) and writes it to calibration.json for {@code cohort plan}.
 */
@Command(
    name = "calibrate",
    mixinStandardHelpOptions = true,
    description = "Measure compute, optimizer, reduction and network costs for cohort plan.")
final class CalibrateCommand implements Callable<Integer> {
  @Option(
      names = "--out",
      defaultValue = "docs/benchmarks",
      description = "Folder for calibration.json (default ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws Exception {
    MachineCalibration cal =
        new CalibrationRun(Files.createTempDirectory("cohort-calibrate-"), System.out).measure();
    Path file = out.resolve("calibration.json");
    cal.write(file);
    System.out.println("Wrote " + file);
    return 0;
  }
}
