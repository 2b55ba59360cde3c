package dev.cohort.lab.chaos;

import dev.cohort.launch.spawn.RankProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Training under {@code cohort train} in a process of its own, the victim: the launcher is
 * SIGKILLed, and its workers (recorded before the kill) must all exit by themselves within {@link
 * #ORPHAN_DEADLINE}; a new launcher then resumes the run with {@code --resume}. Each launcher's
 * output goes to {@code <run folder>-launch-<n>.out} beside the run folder.
 */
final class LauncherKills implements KillLoop.Driver {
  /** How long a worker may outlive its killed launcher before it counts as an orphan. */
  static final Duration ORPHAN_DEADLINE = Duration.ofSeconds(5);

  private final ChaosRun.Options opt;
  private final Path dir;
  private int launches;

  LauncherKills(ChaosRun.Options opt, Path dir) {
    this.opt = opt;
    this.dir = dir;
  }

  @Override
  public KillLoop.Training start(boolean resume) throws IOException {
    Path output = dir.resolveSibling(dir.getFileName() + "-launch-" + launches++ + ".out");
    Files.createDirectories(dir.getParent());
    Process launcher =
        new ProcessBuilder(command(opt, dir, resume))
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    return new Training(launcher, output);
  }

  /** {@code cohort train} for the run folder, with the options the workers get in-process. */
  static List<String> command(ChaosRun.Options opt, Path dir, boolean resume) {
    List<String> cmd = new ArrayList<>(opt.cohortCommand());
    cmd.addAll(
        List.of("train", "--nproc", "" + opt.nproc(), "--threads", "" + opt.threadsPerWorker()));
    List<String> worker = opt.worker(dir, resume).toList();
    if (!worker.get(0).equals("worker")) {
      throw new IllegalStateException("a worker's command line starts with " + worker.get(0));
    }
    cmd.addAll(worker.subList(1, worker.size())); // cohort train takes the worker's options
    return cmd;
  }

  private final class Training implements KillLoop.Training {
    private final Process launcher;
    private final Path output;

    Training(Process launcher, Path output) {
      this.launcher = launcher;
      this.output = output;
    }

    @Override
    public boolean running() {
      return launcher.isAlive();
    }

    @Override
    public int await(Duration timeout) throws Exception {
      if (!launcher.waitFor(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS)) {
        throw new ChaosFailure(
            "launcher run: cohort train did not finish within " + timeout + "; see " + output);
      }
      return launcher.exitValue();
    }

    @Override
    public KillLoop.Down kill(int number) throws Exception {
      // The workers are the launcher's children; recorded before it dies and they are reparented.
      List<ProcessHandle> workers =
          launcher.toHandle().children().filter(RankProcesses::isRunning).toList();
      if (workers.isEmpty()) {
        throw new ChaosFailure(
            "launcher kill " + number + ": the launcher runs no worker process; see " + output);
      }
      long killed = System.nanoTime();
      launcher.destroyForcibly(); // SIGKILL
      launcher.waitFor();
      Processes.Gone gone = Processes.awaitGone(workers, killed, ORPHAN_DEADLINE);
      if (!gone.orphans().isEmpty()) {
        throw new ChaosFailure(
            "launcher kill "
                + number
                + ": worker processes "
                + gone.orphans()
                + " still ran "
                + ORPHAN_DEADLINE.toSeconds()
                + " s after their launcher (pid "
                + launcher.pid()
                + ") was SIGKILLed (orphans; killed now); see "
                + dir
                + "/rank-*.log");
      }
      return new KillLoop.Down(launcher.pid(), gone.firstSeconds(), gone.lastSeconds());
    }

    @Override
    public String describe() {
      return output.toString();
    }
  }
}
