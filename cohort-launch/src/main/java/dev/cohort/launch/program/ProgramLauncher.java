package dev.cohort.launch.program;

import dev.cohort.comm.EnvKeys;
import dev.cohort.launch.elastic.ElasticSupervisor;
import dev.cohort.launch.local.LocalLauncher;
import dev.cohort.launch.local.Outcome;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs any program as the N ranks of a world on this host, like torchrun: it hosts the rendezvous
 * store, makes a fresh secret, and starts N processes of the command, each with the world's
 * environment (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT, COHORT_SECRET,
 * COHORT_GENERATION, COHORT_LAUNCHER_STORE, {@link EnvKeys#COHORT_RUN_DIR}, {@link
 * EnvKeys#COHORT_RESTART_COUNT} and {@link EnvKeys#COHORT_LAUNCHER_PID}), which {@code
 * Cohort.init()} joins. Every rank's output goes to the console a line at a time behind {@code
 * [rank r] }, and in full to {@code <run-dir>/rank-<r>.log}.
 *
 * <p>When a rank fails, the others are stopped (SIGTERM, then SIGKILL after {@link
 * LocalLauncher#GRACE}), along with any process a rank started, and the report names the rank, its
 * exit status and its last log lines. With restarts the whole world starts again under a new
 * rendezvous generation, with COHORT_RESTART_COUNT one higher; the launcher knows nothing of the
 * program's state, so a program that is to lose no work keeps checkpoints in COHORT_RUN_DIR and
 * resumes from the newest one. Interrupting the launcher stops every rank the same way; should the
 * launcher be killed outright (SIGKILL), every rank that joined with {@code Cohort.init()} sees it
 * gone within a second and exits with status 129 ({@code LauncherWatch}).
 *
 * <p>Hang detection is off unless asked for: an arbitrary program publishes no heartbeat, so with a
 * hang timeout the world counts as hung when none of its running ranks writes any output for that
 * long.
 */
public final class ProgramLauncher {
  private final PrintStream out;
  private final PrintWriter err;

  /**
   * @param out where the ranks' prefixed output goes
   * @param err where failures, restarts and the end are reported, each line prefixed "cohort run:"
   */
  public ProgramLauncher(PrintStream out, PrintWriter err) {
    this.out = out;
    this.err = err;
  }

  /**
   * Runs the program and waits for it, restarting the world after failures as {@code run} allows.
   *
   * @return 0 when every rank of an attempt exited 0; else the failing rank's exit status from the
   *     last attempt (1 when it hung, or when its status was not a positive number)
   * @throws IllegalArgumentException before anything starts, naming the program when it cannot be
   *     found or run
   * @throws IOException if the run folder cannot be made or a process cannot be started
   * @throws dev.cohort.comm.CommException if the store cannot listen
   */
  public int run(ProgramRun run) throws IOException, InterruptedException {
    check(run);
    Path dir = run.runDir().toAbsolutePath();
    Files.createDirectories(dir);
    AtomicInteger restarts = new AtomicInteger();
    Outcome last =
        ElasticSupervisor.forProgram(run.workers(), run.maxRestarts(), err, "cohort run")
            .supervise(
                (generation, workers) -> {
                  restarts.set(generation);
                  return new LocalLauncher(out)
                      .console(LocalLauncher.Console.EVERY_RANK)
                      .progress(LocalLauncher.Progress.OUTPUT)
                      .hangTimeout(run.hangTimeout())
                      .generation(generation)
                      .environment(
                          Map.of(
                              EnvKeys.COHORT_RUN_DIR,
                              dir.toString(),
                              EnvKeys.COHORT_RESTART_COUNT,
                              Integer.toString(generation)))
                      .run(workers, run.command(), dir);
                });
    if (last.succeeded()) {
      err.println(
          "cohort run: every rank exited 0"
              + (restarts.get() > 0 ? " after " + restarts(restarts.get()) : "")
              + "; logs in "
              + dir);
      err.flush();
      return 0;
    }
    err.println(
        "cohort run: failed"
            + (restarts.get() > 0 ? " after " + restarts(restarts.get()) : "")
            + "; logs in "
            + dir);
    err.flush();
    return last.exitCode() > 0 ? last.exitCode() : 1;
  }

  private static String restarts(int n) {
    return n == 1 ? "1 restart" : n + " restarts";
  }

  /**
   * Checks that {@code run}'s program can be found and run, before anything starts.
   *
   * @throws IllegalArgumentException naming the program when it is not found or not executable
   */
  public static void check(ProgramRun run) {
    locate(run.command().get(0), System.getenv("PATH"));
  }

  /**
   * Where {@code program} is: a path as given when it has a slash, else the first match on {@code
   * path} (as the shell looks it up).
   *
   * @throws IllegalArgumentException naming the program when it is not found or not executable
   */
  static Path locate(String program, String path) {
    try {
      if (program.contains(File.separator)) {
        Path p = Path.of(program);
        if (!Files.isRegularFile(p)) {
          throw new IllegalArgumentException("program not found: " + program);
        }
        if (!Files.isExecutable(p)) {
          throw new IllegalArgumentException(
              "program " + program + " is not executable (chmod +x " + program + ")");
        }
        return p;
      }
      for (String dir : (path == null ? "" : path).split(File.pathSeparator, -1)) {
        Path p = Path.of(dir.isEmpty() ? "." : dir).resolve(program);
        if (Files.isRegularFile(p) && Files.isExecutable(p)) {
          return p;
        }
      }
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException("program not found: " + program);
    }
    throw new IllegalArgumentException(
        "program not found: " + program + " is not on the PATH; give its path, e.g. ./" + program);
  }
}
