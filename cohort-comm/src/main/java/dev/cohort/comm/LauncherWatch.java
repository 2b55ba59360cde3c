package dev.cohort.comm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Ends a process whose launcher is gone. A launcher killed with SIGKILL (the OOM killer, a
 * scheduler) cannot stop its processes, which would otherwise run on with parent PID 1: training
 * workers until the end of the run, any other program until it ends by itself. {@code cohort train}
 * and {@code cohort run} pass their process id in {@link EnvKeys#COHORT_LAUNCHER_PID}; {@code
 * cohort worker} and {@link Cohort#init()} start a watch from it, a daemon thread that checks every
 * {@link #PERIOD} whether that process still runs and is still this process's parent, and when it
 * is not, halts the JVM with {@value #EXIT_STATUS} (128 + SIGHUP, as a shell reports a process
 * whose controlling terminal went away). Halting runs no shutdown hook: no graceful stop, no final
 * checkpoint, so nothing is written after the last complete checkpoint (Cohort's checkpoints are
 * written to a temporary folder and renamed, so a write cut short leaves no partial checkpoint).
 *
 * <p>Thread-safe; the check costs one read of {@code /proc} per period.
 */
public final class LauncherWatch implements AutoCloseable {
  /** The exit status of a process that outlived its launcher: 128 + SIGHUP. */
  public static final int EXIT_STATUS = 129;

  /** How often the launcher is looked for. */
  public static final Duration PERIOD = Duration.ofMillis(500);

  /** Guards {@link #ofProcess}. */
  private static final Object PROCESS_LOCK = new Object();

  /** The watch {@link #startForProcess} started, if any. */
  private static LauncherWatch ofProcess; // guarded by PROCESS_LOCK

  private final Thread thread;
  private volatile boolean closed;

  private LauncherWatch(ProcessHandle launcher, Duration period, Runnable onGone) {
    // The launcher is normally the parent; then a change of parent (this process was reparented
    // to init or a subreaper) tells at once, even while the dead launcher is a zombie.
    boolean parent =
        launcher != null
            && ProcessHandle.current().parent().map(p -> p.pid() == launcher.pid()).orElse(false);
    thread =
        new Thread(
            () -> {
              try {
                while (!closed) {
                  if (gone(launcher, parent)) {
                    onGone.run();
                    return;
                  }
                  Thread.sleep(period.toMillis());
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // closed
              }
            },
            "cohort-launcher-watch");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Watches the launcher named by {@link EnvKeys#COHORT_LAUNCHER_PID} (a system property of the
   * same name wins, as everywhere in {@link Env}) and halts this JVM with {@value #EXIT_STATUS}
   * when it is gone.
   *
   * @return the watch, or empty when this process was not started by a Cohort launcher
   * @throws IllegalArgumentException when the variable is not a process id
   */
  public static Optional<LauncherWatch> fromEnvironment(Env env) {
    Optional<String> pid = env.get(EnvKeys.COHORT_LAUNCHER_PID);
    if (pid.isEmpty()) {
      return Optional.empty();
    }
    long id;
    try {
      id = Long.parseLong(pid.get().strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          EnvKeys.COHORT_LAUNCHER_PID + " must be a process id, got '" + pid.get() + "'");
    }
    return Optional.of(
        watch(
            ProcessHandle.of(id).orElse(null),
            PERIOD,
            () -> {
              System.err.println(
                  "cohort: process "
                      + ProcessHandle.current().pid()
                      + ": the launcher (pid "
                      + id
                      + ") is gone; exiting with status "
                      + EXIT_STATUS
                      + " (a run that keeps checkpoints resumes from its newest one)");
              System.err.flush();
              Runtime.getRuntime().halt(EXIT_STATUS);
            }));
  }

  /**
   * Starts this process's watch from the environment, once: later calls return at once, so that a
   * program may join (and leave) worlds more than once. The watch lives as long as the JVM.
   *
   * @throws IllegalArgumentException when {@link EnvKeys#COHORT_LAUNCHER_PID} is not a process id
   */
  static void startForProcess(Env env) {
    synchronized (PROCESS_LOCK) {
      if (ofProcess == null) {
        ofProcess = fromEnvironment(env).orElse(null);
      }
    }
  }

  /**
   * Calls {@code onGone} once, on the watch's daemon thread, when {@code launcher} has exited (or,
   * if it was this process's parent, is no longer), checking every {@code period}.
   *
   * @param launcher the process to watch; null means it is already gone
   */
  public static LauncherWatch watch(ProcessHandle launcher, Duration period, Runnable onGone) {
    return new LauncherWatch(launcher, period, onGone);
  }

  private static boolean gone(ProcessHandle launcher, boolean wasParent) {
    if (launcher == null || !running(launcher)) {
      return true;
    }
    return wasParent
        && ProcessHandle.current().parent().map(p -> p.pid() != launcher.pid()).orElse(true);
  }

  /** Alive and not a zombie ({@link ProcessHandle#isAlive()} counts a zombie as alive). */
  private static boolean running(ProcessHandle h) {
    if (!h.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
      int name = stat.lastIndexOf(')'); // "pid (name) S ...": the state follows the name
      return name < 0 || name + 2 >= stat.length() || stat.charAt(name + 2) != 'Z';
    } catch (IOException | RuntimeException e) {
      return h.isAlive(); // no /proc (not Linux), or the process is gone
    }
  }

  /** Stops watching (the worker is done); the launcher's end no longer halts this JVM. */
  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
