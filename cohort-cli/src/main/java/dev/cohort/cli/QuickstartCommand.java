package dev.cohort.cli;

import dev.cohort.launch.WorkerArgs;
import dev.cohort.launch.local.LocalLauncher;
import dev.cohort.launch.local.Outcome;
import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.data.FashionMnist;
import dev.cohort.train.metrics.RunSummary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cohort quickstart}: trains the CNN on Fashion-MNIST with 2 worker processes for one epoch,
 * then runs 1 worker briefly for comparison, and prints accuracy, throughput, speedup and where
 * each step's time went. A few minutes on 2 cores.
 */
@Command(
    name = "quickstart",
    mixinStandardHelpOptions = true,
    description =
        "Train the CNN on Fashion-MNIST with 2 workers for 1 epoch, compare with 1 worker.")
final class QuickstartCommand implements Callable<Integer> {
  @Option(
      names = "--baseline-steps",
      defaultValue = "200",
      description = "Steps of the 1-worker comparison run (default ${DEFAULT-VALUE}).")
  int baselineSteps;

  @Override
  public Integer call() throws Exception {
    if (!Files.exists(FashionMnist.DEFAULT_DIR.resolve("train-images-idx3-ubyte.gz"))) {
      System.err.println(
          "cohort quickstart: Fashion-MNIST is not installed. Install it with:\n"
              + "  apt-get install dataset-fashion-mnist");
      return 2;
    }
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    Path two = Path.of("runs", stamp + "-quickstart-np2");
    Path one = Path.of("runs", stamp + "-quickstart-np1");
    TrainConfig cnn = TrainConfig.builder().model("cnn").batch(32).scaleLearningRate(true).build();
    System.out.println("== 2 workers, CNN, 1 epoch of Fashion-MNIST (batch 32 per worker) ==");
    if (launch(
            2,
            JavaCommand.threadsPerWorker(2),
            WorkerArgs.of(cnn.toBuilder().epochs(1).runDir(two).build()))
        != 0) {
      return 1;
    }
    System.out.println(
        "\n== 1 worker, same model and per-worker batch, "
            + baselineSteps
            + " steps, for the speedup ==");
    if (launch(
            1,
            JavaCommand.threadsPerWorker(1),
            WorkerArgs.of(
                cnn.toBuilder()
                    .maxSteps(baselineSteps)
                    .testLimit(1000)
                    .progress(false)
                    .runDir(one)
                    .build()))
        != 0) {
      return 1;
    }
    RunSummary s2 = RunSummary.read(two.resolve(RunSummary.FILE));
    RunSummary s1 = RunSummary.read(one.resolve(RunSummary.FILE));
    double t2 = s2.samplesPerSecond();
    double t1 = s1.samplesPerSecond();
    RunSummary.StepTimes ms = s2.stepTimeMs();
    System.out.printf(
        Locale.ROOT,
        "%n== Quickstart result ==%n"
            + "  test accuracy after 1 epoch   %.4f%n"
            + "  throughput, 2 workers         %,.0f samples/s%n"
            + "  throughput, 1 worker          %,.0f samples/s%n"
            + "  speedup                       %.2fx (scaling efficiency %.0f%%)%n"
            + "  step time (2 workers)         %.1f ms: data %.1f, forward+backward %.1f, "
            + "communication %.1f, waiting %.1f, optimizer %.1f, other %.1f%n"
            + "  run folders                   %s, %s%n",
        s2.finalTestAccuracy(),
        t2,
        t1,
        t2 / t1,
        100 * t2 / t1 / 2,
        ms.step(),
        ms.data(),
        ms.forwardBackward(),
        ms.communication(),
        ms.waiting(),
        ms.optimizer(),
        ms.other(),
        two,
        one);
    return 0;
  }

  private static int launch(int nproc, int threads, WorkerArgs worker) throws Exception {
    Path dir = worker.config().runDir();
    Outcome o =
        new LocalLauncher(System.out).run(nproc, worker.command().withThreads(threads), dir);
    if (o.exitCode() != 0) {
      System.err.println("cohort quickstart: " + o.report());
    }
    return o.exitCode();
  }
}
