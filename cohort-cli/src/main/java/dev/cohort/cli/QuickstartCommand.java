package dev.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.launch.local.LocalLauncher;
import dev.cohort.launch.local.Outcome;
import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.train.data.FashionMnist;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cohort quickstart}: trains the CNN on Fashion-MNIST with 2 worker processes for one epoch,
 * then runs 1 worker briefly for comparison, and prints accuracy, throughput, speedup and where
 * each step's time went. A few minutes on 2 cores.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
    description = "Train the CNN on Fashion-MNIST with 2 workers for 1 epoch, compare with 1 worker.")
final class QuickstartCommand implements Callable<Integer> {
  @Option(names = "--baseline-steps", defaultValue = "200",
      description = "Steps of the 1-worker comparison run (default ${DEFAULT-VALUE}).")
  int baselineSteps;

  @Override
  public Integer call() throws Exception {
    if (!Files.exists(FashionMnist.DEFAULT_DIR.resolve("train-images-idx3-ubyte.gz"))) {
      System.err.println("cohort quickstart: Fashion-MNIST is not installed. Install it with:\n"
          + "  apt-get install dataset-fashion-mnist");
      return 2;
    }
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    Path two = Path.of("runs", stamp + "-quickstart-np2");
    Path one = Path.of("runs", stamp + "-quickstart-np1");
    int cores = Runtime.getRuntime().availableProcessors();
    System.out.println("== 2 workers, CNN, 1 epoch of Fashion-MNIST (batch 32 per worker) ==");
    if (launch(2, two, Math.max(1, cores / 2), List.of("--epochs", "1")) != 0) {
      return 1;
    }
    System.out.println("\n== 1 worker, same model and per-worker batch, " + baselineSteps
        + " steps, for the speedup ==");
    if (launch(1, one, cores, List.of("--max-steps", "" + baselineSteps, "--test-limit", "1000",
        "--no-progress")) != 0) {
      return 1;
    }
    ObjectMapper json = new ObjectMapper();
    JsonNode s2 = json.readTree(two.resolve("summary.json").toFile());
    JsonNode s1 = json.readTree(one.resolve("summary.json").toFile());
    double t2 = s2.get("samples_per_second").asDouble();
    double t1 = s1.get("samples_per_second").asDouble();
    JsonNode ms = s2.get("step_time_ms");
    System.out.printf(Locale.ROOT, "%n== Quickstart result ==%n"
        + "  test accuracy after 1 epoch   %.4f%n"
        + "  throughput, 2 workers         %,.0f samples/s%n"
        + "  throughput, 1 worker          %,.0f samples/s%n"
        + "  speedup                       %.2fx (scaling efficiency %.0f%%)%n"
        + "  step time (2 workers)         %.1f ms: data %.1f, forward+backward %.1f, "
        + "communication %.1f, waiting %.1f, optimizer %.1f%n"
        + "  run folders                   %s, %s%n",
        s2.get("final_test_accuracy").asDouble(), t2, t1, t2 / t1, 100 * t2 / t1 / 2,
        ms.get("step").asDouble(), ms.get("data").asDouble(), ms.get("forward_backward").asDouble(),
        ms.get("communication").asDouble(), ms.get("wait").asDouble(), ms.get("optimizer").asDouble(),
        two, one);
    return 0;
  }

  private static int launch(int nproc, Path dir, int threads, List<String> extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("worker", "--run-dir", dir.toString(), "--model",
        "cnn", "--batch", "32", "--scale-lr"));
    args.addAll(extra);
    Outcome o = new LocalLauncher(System.out).run(nproc, JavaCommand.cohort(args).withThreads(threads), dir);
    if (o.exitCode() != 0) {
      System.err.println("cohort quickstart: " + o.report());
    }
    return o.exitCode();
  }
}
