package dev.cohort.comm;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Joining a world from any program, in one call: the configuration and the world come from the
 * environment that {@code cohort run} (or torchrun-style variables, mpirun or srun) left.
 *
 * <pre>{@code
 * // bin/cohort run --nproc 2 -- java -cp app.jar com.example.Main
 * try (ProcessGroup pg = Cohort.init()) {
 *   float[] grads = {pg.rank() + 1f};
 *   pg.allReduce(grads, ReduceOp.SUM); // 3.0 on both ranks
 * }
 * }</pre>
 *
 * <p>A program started on its own, without any launcher's variables, forms a world of one process
 * (with a store on a free loopback port), so that the same program runs alone or distributed.
 *
 * <p>A program that {@code cohort run --max-restarts K} may restart keeps its checkpoints under
 * {@link #runDir()} and, when {@link #restartCount()} is above 0, resumes from the newest one: the
 * launcher restarts the whole world, and knows nothing of the program's state.
 *
 * <p>A process started by {@code cohort run} or {@code cohort train} ({@link
 * EnvKeys#COHORT_LAUNCHER_PID} set) watches its launcher from its first {@code init}: should the
 * launcher be killed outright (SIGKILL), this process halts with status {@value
 * LauncherWatch#EXIT_STATUS} within a second, running no shutdown hook, instead of running on with
 * parent PID 1 ({@link LauncherWatch}).
 *
 * <p>Every method reads the environment when called (a {@code -D} system property of the same name
 * wins, as everywhere in {@link Env}); all are thread-safe. A missing or malformed variable fails
 * with an {@link IllegalArgumentException} (or, for the secret, an {@link AuthenticationException})
 * whose one-line message names the variables to set.
 */
public final class Cohort {
  private Cohort() {}

  /**
   * Forms the world this process was started into and returns its process group: {@link
   * CommConfig#fromEnvironment()} and {@link World#fromEnvironment()}. Blocks until every rank has
   * joined, within the configured timeout ({@link EnvKeys#COHORT_TIMEOUT_MS}). Starts the watch of
   * the launcher first, when there is one ({@link LauncherWatch}).
   *
   * @throws IllegalArgumentException naming the variables to set when the world or a setting cannot
   *     be read (the launcher's process id included)
   * @throws AuthenticationException when no shared secret is set
   * @throws CommException when the world cannot be formed (store unreachable, timeout)
   */
  public static ProcessGroup init() {
    return init(Env.system());
  }

  /**
   * Forms the world this process was started into ({@link World#fromEnvironment()}) with the given
   * configuration, watching the launcher as {@link #init()} does.
   *
   * @throws IllegalArgumentException naming the variables to set when the world cannot be read
   * @throws CommException when the world cannot be formed (store unreachable, timeout)
   */
  public static ProcessGroup init(CommConfig config) {
    LauncherWatch.startForProcess(Env.system());
    return ProcessGroups.init(config, World.fromEnvironment().toInit());
  }

  /** The same as {@link #init()}, from the given variables alone (no system properties). */
  static ProcessGroup init(Map<String, String> environment) {
    return init(Env.of(environment));
  }

  private static ProcessGroup init(Env env) {
    // From the start: a rank still joining must not outlive its launcher either.
    LauncherWatch.startForProcess(env);
    if (!World.launched(env)) {
      // Started on its own (java -cp app.jar Main): a world of one, as a launcher with --nproc 1
      // would make. It has no peer to authenticate, so a secret is made up when none is set.
      boolean secret = env.isSet(EnvKeys.COHORT_SECRET) || env.isSet(EnvKeys.COHORT_SECRET_FILE);
      CommConfig config =
          secret ? CommConfig.fromEnvironment(env) : CommConfig.defaults(Secrets.generate());
      return ProcessGroups.init(config, World.single().toInit());
    }
    return ProcessGroups.init(CommConfig.fromEnvironment(env), World.detect(env).toInit());
  }

  /**
   * Who this process is and where the store is, without joining.
   *
   * @throws IllegalArgumentException naming the variables to set when nothing fits
   */
  public static World world() {
    return World.fromEnvironment();
  }

  /**
   * The run folder {@code cohort run} gives every rank ({@link EnvKeys#COHORT_RUN_DIR}): where to
   * keep checkpoints that a restarted world resumes from. Empty when the program was started
   * otherwise.
   *
   * @throws IllegalArgumentException when the variable is not a valid path
   */
  public static Optional<Path> runDir() {
    return runDir(Env.system());
  }

  static Optional<Path> runDir(Env env) {
    return env.get(EnvKeys.COHORT_RUN_DIR)
        .map(
            v -> {
              try {
                return Path.of(v);
              } catch (InvalidPathException e) {
                throw new IllegalArgumentException(
                    EnvKeys.COHORT_RUN_DIR + " must be a path, got '" + v + "'");
              }
            });
  }

  /**
   * How many times {@code cohort run} has restarted the world before this start ({@link
   * EnvKeys#COHORT_RESTART_COUNT}): 0 on the first start, and when the program was started
   * otherwise.
   *
   * @throws IllegalArgumentException "COHORT_RESTART_COUNT must be an integer >= 0, got 'x'"
   */
  public static int restartCount() {
    return restartCount(Env.system());
  }

  static int restartCount(Env env) {
    int n = env.getInt(EnvKeys.COHORT_RESTART_COUNT, 0);
    if (n < 0) {
      throw new IllegalArgumentException(
          EnvKeys.COHORT_RESTART_COUNT + " must be an integer >= 0, got '" + n + "'");
    }
    return n;
  }
}
