package dev.cohort.lab.chaos;

import dev.cohort.launch.WorkerArgs;
import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.metrics.RunSummary;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

/**
 * {@code cohort lab chaos}: trains once without interruption, then, for each target, again while
 * SIGKILLing it at random steps ({@link KillPlan}): a random worker of an in-process launcher
 * ({@link WorkerKills}), or the launcher, a {@code cohort train} process of its own ({@link
 * LauncherKills}). After each kill it waits until no worker runs (a worker that outlives its
 * launcher is an orphan), resumes from the newest complete checkpoint and times it ({@link
 * KillLoop}). It fails ({@link ChaosFailure}) on an orphan, a kill the run did not notice, a resume
 * from anything but the newest complete checkpoint ({@link ResumeCheck}), a final model or accuracy
 * that differs from the uninterrupted run's, or a process of the run left at the end; otherwise it
 * writes the report ({@link ChaosReport}) and removes its work folder.
 */
public final class ChaosRun {
  /**
   * What to train and how hard to shake it.
   *
   * @param train what every run trains (its run folder, checkpoint interval, progress bar and
   *     resume source are set by the chaos run)
   * @param kills kills per target
   * @param targets what to kill, one run each, in order
   * @param seed of the kill steps and the victims
   * @param outDir where chaos.md and chaos.json go
   * @param work where the runs go (removed when the chaos run succeeds)
   * @param cohortCommand the command line that runs the {@code cohort} command with this JVM's
   *     {@code java} and class path, arguments to follow (the launcher target starts {@code cohort
   *     train} with it)
   * @param commandLine the chaos run's own command, as the report quotes it
   */
  public record Options(
      int nproc,
      TrainConfig train,
      int checkpointEvery,
      int kills,
      List<Target> targets,
      long seed,
      Path outDir,
      Path work,
      List<String> cohortCommand,
      String commandLine) {
    public Options {
      targets = List.copyOf(targets);
      cohortCommand = List.copyOf(cohortCommand);
    }

    /** libtorch threads of each worker, the same for every run so that results compare bitwise. */
    int threadsPerWorker() {
      return JavaCommand.threadsPerWorker(nproc);
    }

    /** A worker of a run in {@code dir}: fresh, or resuming from its newest checkpoint. */
    WorkerArgs worker(Path dir, boolean resume) {
      return WorkerArgs.of(
          train.toBuilder()
              .runDir(dir)
              .checkpointEvery(checkpointEvery)
              .progress(false)
              .resumeFrom(resume ? dir : null)
              .build());
    }
  }

  private static final Duration CALM_DEADLINE = Duration.ofMinutes(30);

  private final Options opt;
  private final PrintStream out;

  public ChaosRun(Options opt, PrintStream out) {
    this.opt = opt;
    this.out = out;
  }

  /**
   * Runs it all.
   *
   * @return the path of chaos.md
   * @throws ChaosFailure when a check fails: one line, naming what and where
   * @throws IllegalArgumentException when the run is too short for the kills asked for
   */
  public Path run() throws Exception {
    Random random = new Random(opt.seed());
    Path calmDir = opt.work().resolve("calm");
    out.println("== uninterrupted run ==");
    int calmExit = new WorkerKills(opt, calmDir, random).start(false).await(CALM_DEADLINE);
    if (calmExit != 0) {
      throw new ChaosFailure(
          "the uninterrupted run failed with exit status " + calmExit + "; see " + calmDir);
    }
    RunSummary calm = RunSummary.read(calmDir.resolve(RunSummary.FILE));
    double calmAccuracy = accuracy(calm, calmDir);
    List<KillPlan> plans = new ArrayList<>();
    try {
      for (int i = 0; i < opt.targets().size(); i++) {
        plans.add(KillPlan.random(calm.steps(), opt.kills(), opt.checkpointEvery(), random));
      }
    } catch (IllegalArgumentException e) {
      deleteTree(opt.work()); // asked too much of a short run: nothing to look at
      throw e;
    }
    List<TargetResult> results = new ArrayList<>();
    for (Target target : opt.targets()) {
      Path dir = opt.work().resolve("chaos-" + target.label());
      KillPlan plan = plans.get(results.size());
      out.println("== " + plan.size() + " SIGKILLs: " + target.label() + " ==");
      KillLoop.Driver driver =
          target == Target.WORKERS
              ? new WorkerKills(opt, dir, random)
              : new LauncherKills(opt, dir);
      List<Kill> kills = new KillLoop(target.label(), dir, plan, out).run(driver);
      RunSummary s = RunSummary.read(dir.resolve(RunSummary.FILE));
      kills = ResumeCheck.verify(target.label(), kills, s.segments());
      results.add(
          new TargetResult(target, kills, s.steps(), accuracy(s, dir), sameModel(calmDir, dir)));
    }
    List<ProcessHandle> left = Processes.naming(opt.work());
    left.forEach(ProcessHandle::destroyForcibly);
    ChaosReport report =
        new ChaosReport(opt, calm.steps(), calmAccuracy, results, left.size(), Instant.now());
    Path md = report.write();
    out.println();
    out.print(report.markdown());
    if (!left.isEmpty()) {
      throw new ChaosFailure(
          left.size()
              + " processes of the chaos run still ran at its end (pids "
              + left.stream().map(ProcessHandle::pid).toList()
              + ", killed now); see "
              + opt.work());
    }
    for (TargetResult r : results) {
      // Resumes are exact (data order, dropout streams and optimizer state are restored): any
      // difference from the uninterrupted run is work lost or redone wrongly.
      if (r.steps() != calm.steps() || r.accuracy() != calmAccuracy || !r.modelIdentical()) {
        throw new ChaosFailure(
            String.format(
                Locale.ROOT,
                "%s run: %d steps to a test accuracy of %.4f (final model %s), the uninterrupted"
                    + " run %d steps to %.4f: resumes should be exact; compare %s and %s",
                r.target().label(),
                r.steps(),
                r.accuracy(),
                r.modelIdentical() ? "identical" : "different",
                calm.steps(),
                calmAccuracy,
                opt.work().resolve("chaos-" + r.target().label()),
                calmDir));
      }
    }
    deleteTree(opt.work());
    return md;
  }

  /** The final test accuracy in a finished run's summary. */
  private static double accuracy(RunSummary s, Path dir) throws ChaosFailure {
    if (s.finalTestAccuracy() == null) {
      throw new ChaosFailure("no test accuracy in " + dir.resolve(RunSummary.FILE));
    }
    return s.finalTestAccuracy();
  }

  /** Whether two runs' final models (their model/ folders) are the same files, byte for byte. */
  static boolean sameModel(Path a, Path b) throws IOException {
    List<Path> fa = files(a.resolve("model"));
    List<Path> fb = files(b.resolve("model"));
    if (fa.isEmpty() || !fa.equals(fb)) {
      return false;
    }
    for (Path f : fa) {
      if (Files.mismatch(a.resolve("model").resolve(f), b.resolve("model").resolve(f)) != -1) {
        return false;
      }
    }
    return true;
  }

  private static List<Path> files(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).map(dir::relativize).sorted().toList();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
