package dev.cohort.lab.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cohort.checkpoint.CheckpointStore;
import dev.cohort.launch.WorkerArgs;
import dev.cohort.launch.local.LocalLauncher;
import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.metrics.MetricsCsv;
import dev.cohort.train.metrics.RunSummary;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code cohort lab chaos}: trains once without interruption, then again while SIGKILLing a random
 * worker at random times, restarting from checkpoints each time, and reports for each failure how
 * long it took to notice, how long to be training again, and how many steps were lost; then
 * compares the final test accuracy of the two runs.
 */
public final class ChaosRun {
  /**
   * What to train and how hard to shake it.
   *
   * @param train what every run trains (its run folder, checkpoint interval, progress bar and
   *     resume source are set by the chaos run)
   */
  public record Options(
      int nproc,
      TrainConfig train,
      int checkpointEvery,
      int kills,
      long seed,
      Path outDir,
      Path work) {}

  /** One failure: when it was noticed, when training resumed, what was lost. */
  record Failure(
      int worker,
      long stepAtKill,
      long resumedFromStep,
      double detectSeconds,
      double restartSeconds) {}

  private final Options opt;
  private final PrintStream out;
  private final Random random;

  public ChaosRun(Options opt, PrintStream out) {
    this.opt = opt;
    this.out = out;
    this.random = new Random(opt.seed());
  }

  public Path run() throws Exception {
    Path calm = opt.work().resolve("calm");
    Path chaos = opt.work().resolve("chaos");
    out.println("== uninterrupted run ==");
    int calmExit = launch(calm, 0, null).get();
    if (calmExit != 0) {
      throw new IOException("the uninterrupted run failed; see " + calm);
    }
    out.println("== run with " + opt.kills() + " SIGKILLs ==");
    List<Failure> failures = new ArrayList<>();
    Path resume = null;
    for (int attempt = 0; ; attempt++) {
      long startSteps = steps(chaos);
      CompletableFuture<Integer> run = launch(chaos, attempt, resume);
      Long restartAt = null;
      if (attempt > 0) {
        // Training is back once the resumed run has written a new step.
        while (!run.isDone() && steps(chaos) <= startSteps) {
          Thread.sleep(20);
        }
        restartAt = System.nanoTime();
        Failure last = failures.remove(failures.size() - 1);
        failures.add(
            new Failure(
                last.worker(),
                last.stepAtKill(),
                last.resumedFromStep(),
                last.detectSeconds(),
                (restartAt - detectedAt) / 1e9));
      }
      if (failures.size() < opt.kills()) {
        long target =
            steps(chaos) + opt.checkpointEvery() + random.nextInt(2 * opt.checkpointEvery());
        while (!run.isDone() && steps(chaos) < target) {
          Thread.sleep(10);
        }
        if (!run.isDone()) {
          List<ProcessHandle> workers =
              ProcessHandle.current()
                  .descendants()
                  .filter(p -> p.info().command().orElse("").endsWith("java"))
                  .toList();
          int victim = random.nextInt(workers.size());
          long atKill = steps(chaos);
          long killedAt = System.nanoTime();
          workers.get(victim).destroyForcibly();
          int exit = run.get(300, TimeUnit.SECONDS);
          detectedAt = System.nanoTime();
          if (exit == 0) {
            throw new IOException("the run survived a SIGKILL without noticing");
          }
          long resumedFrom =
              new CheckpointStore(chaos.resolve("checkpoints"), 1)
                  .steps().stream().mapToLong(Long::longValue).max().orElse(0);
          failures.add(new Failure(victim, atKill, resumedFrom, (detectedAt - killedAt) / 1e9, 0));
          out.printf(
              Locale.ROOT,
              "  killed a worker at step %d; noticed after %.2f s; resuming from step %d%n",
              atKill,
              (detectedAt - killedAt) / 1e9,
              resumedFrom);
          resume = chaos;
          continue;
        }
      }
      if (run.get(600, TimeUnit.SECONDS) != 0) {
        throw new IOException("the chaos run failed for good; see " + chaos);
      }
      break;
    }
    return report(calm, chaos, failures);
  }

  private long detectedAt;

  /** Starts a run in {@code dir}, from the newest checkpoint in {@code resume} if not null. */
  private CompletableFuture<Integer> launch(Path dir, int generation, Path resume) {
    WorkerArgs args =
        WorkerArgs.of(
            opt.train().toBuilder()
                .runDir(dir)
                .checkpointEvery(opt.checkpointEvery())
                .progress(false)
                .resumeFrom(resume)
                .build());
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            int threads = JavaCommand.threadsPerWorker(opt.nproc());
            return new LocalLauncher(new PrintStream(PrintStream.nullOutputStream()))
                .generation(generation)
                .run(opt.nproc(), args.command().withThreads(threads), dir)
                .exitCode();
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        });
  }

  /** Steps recorded so far in a run folder's metrics.csv (restarts append). */
  private static long steps(Path dir) throws IOException {
    try {
      return MetricsCsv.steps(dir.resolve(MetricsCsv.FILE));
    } catch (UncheckedIOException e) {
      return 0; // being rewritten at this very moment
    }
  }

  /** The final test accuracy in a finished run's summary. */
  private static double finalTestAccuracy(Path dir) throws IOException {
    Double accuracy = RunSummary.read(dir.resolve(RunSummary.FILE)).finalTestAccuracy();
    if (accuracy == null) {
      throw new IOException("no test accuracy in " + dir.resolve(RunSummary.FILE));
    }
    return accuracy;
  }

  /** The training options, as the report names them. */
  private static String describe(TrainConfig c) {
    return String.format(
        Locale.ROOT,
        "--model %s --epochs %d --batch %d --train-limit %d",
        c.model(),
        c.epochs(),
        c.batch(),
        c.trainLimit());
  }

  private Path report(Path calm, Path chaos, List<Failure> failures) throws IOException {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    double accCalm = finalTestAccuracy(calm);
    double accChaos = finalTestAccuracy(chaos);
    StringBuilder md = new StringBuilder("# Chaos run: SIGKILL during training\n\n");
    md.append("Generated by `bin/cohort lab chaos` on ")
        .append(Instant.now())
        .append(": ")
        .append(opt.nproc())
        .append(" workers, ")
        .append(describe(opt.train()))
        .append(", a checkpoint every ")
        .append(opt.checkpointEvery())
        .append(" steps, ")
        .append(failures.size())
        .append(" random SIGKILLs of a random worker.\n\n");
    md.append(
        "| # | killed worker process | step at kill | resumed from step | steps lost | detection (s) | restart (s) |\n");
    md.append("|---:|---:|---:|---:|---:|---:|---:|\n");
    int i = 1;
    for (Failure f : failures) {
      md.append(
          String.format(
              Locale.ROOT,
              "| %d | %d | %d | %d | %d | %.2f | %.2f |%n",
              i++,
              f.worker(),
              f.stepAtKill(),
              f.resumedFromStep(),
              f.stepAtKill() - f.resumedFromStep(),
              f.detectSeconds(),
              f.restartSeconds()));
    }
    md.append(
        "\nDetection: from SIGKILL until the launcher has stopped the other workers. Restart: "
            + "from then until the restarted world has trained its first step (JVM start, DJL load, "
            + "rendezvous, checkpoint load). Steps lost: trained after the last complete checkpoint, "
            + "redone; more than the interval when the kill lands while the newest checkpoint is still "
            + "being written in the background.\n");
    md.append(
        String.format(
            Locale.ROOT,
            "%nFinal test accuracy: %.4f uninterrupted, %.4f with "
                + "failures (difference %.2f points; resumes are bit-exact, so it should be 0).%n",
            accCalm,
            accChaos,
            100 * (accChaos - accCalm)));
    Files.createDirectories(opt.outDir());
    Path mdPath = opt.outDir().resolve("chaos.md");
    Files.writeString(mdPath, md);
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("failures", failures);
    doc.put("accuracy_uninterrupted", accCalm);
    doc.put("accuracy_with_failures", accChaos);
    json.writeValue(opt.outDir().resolve("chaos.json").toFile(), doc);
    out.println();
    out.print(md);
    if (Math.abs(accChaos - accCalm) > 0.005) {
      throw new IOException("accuracy moved by more than 0.5 points under failures");
    }
    return mdPath;
  }
}
