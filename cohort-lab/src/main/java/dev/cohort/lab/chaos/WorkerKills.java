package dev.cohort.lab.chaos;

import dev.cohort.launch.local.LocalLauncher;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Training under a launcher inside the lab's JVM ({@link LocalLauncher}), whose victims are its
 * workers: a random one is SIGKILLed, the launcher must notice and stop the others. Also runs the
 * uninterrupted run.
 */
final class WorkerKills implements KillLoop.Driver {
  private final ChaosRun.Options opt;
  private final Path dir;
  private final Random random;
  private int generation;

  WorkerKills(ChaosRun.Options opt, Path dir, Random random) {
    this.opt = opt;
    this.dir = dir;
    this.random = random;
  }

  @Override
  public KillLoop.Training start(boolean resume) {
    long g = generation++;
    CompletableFuture<Integer> run =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return new LocalLauncher(new PrintStream(PrintStream.nullOutputStream()))
                    .generation(g)
                    .run(
                        opt.nproc(),
                        opt.worker(dir, resume).command().withThreads(opt.threadsPerWorker()),
                        dir)
                    .exitCode();
              } catch (IOException e) {
                throw new CompletionException(e);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CompletionException(e);
              }
            });
    return new Training(run);
  }

  private final class Training implements KillLoop.Training {
    private final CompletableFuture<Integer> run;

    Training(CompletableFuture<Integer> run) {
      this.run = run;
    }

    @Override
    public boolean running() {
      return !run.isDone();
    }

    @Override
    public int await(Duration timeout) throws Exception {
      try {
        return run.get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new ChaosFailure(
            "workers run: the launcher did not finish within " + timeout + "; see " + dir);
      } catch (ExecutionException e) {
        throw new IOException("the launcher of " + dir + " failed: " + e.getCause(), e.getCause());
      }
    }

    @Override
    public KillLoop.Down kill(int number) throws Exception {
      List<ProcessHandle> workers = Processes.withArgument(dir.toString());
      if (workers.isEmpty()) {
        throw new ChaosFailure(
            "workers kill " + number + ": no worker process of " + dir + " runs to be killed");
      }
      ProcessHandle victim = workers.get(random.nextInt(workers.size()));
      long killed = System.nanoTime();
      victim.destroyForcibly();
      int status = await(Duration.ofMinutes(5));
      double detect = (System.nanoTime() - killed) / 1e9;
      if (status == 0) {
        throw new ChaosFailure(
            "workers kill "
                + number
                + ": the launcher finished with status 0 after worker pid "
                + victim.pid()
                + " was SIGKILLed: the run did not notice; see "
                + dir);
      }
      Processes.Gone gone = Processes.awaitGone(workers, killed, Duration.ofSeconds(10));
      if (!gone.orphans().isEmpty()) {
        throw new ChaosFailure(
            "workers kill "
                + number
                + ": worker processes "
                + gone.orphans()
                + " still ran 10 s after the launcher had stopped the world; see "
                + dir);
      }
      return new KillLoop.Down(victim.pid(), detect, gone.lastSeconds());
    }

    @Override
    public String describe() {
      return dir + "/rank-*.log";
    }
  }
}
