package dev.cohort.launch.local;

import dev.cohort.comm.EnvKeys;
import dev.cohort.comm.Secrets;
import dev.cohort.comm.store.StoreServer;
import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.launch.spawn.RankProcesses;
import dev.cohort.launch.spawn.RankSpawner;
import dev.cohort.launch.spawn.WorldAddress;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * Starts N worker JVMs on this host and watches them, like torchrun: it hosts the rendezvous store,
 * gives every worker its rank and a fresh shared secret, tees rank 0's output to the console, and
 * writes every rank's output to {@code rank-<r>.log} in the run folder. If any worker fails, the
 * others are stopped and the failing rank, its exit status and its last log lines are reported. No
 * worker outlives the launcher. Interrupting the launcher (Ctrl-C, SIGTERM) stops the workers
 * gracefully: they finish the same step, write a final checkpoint when checkpointing is on, and
 * exit.
 *
 * <pre>{@code
 * WorkerArgs worker = WorkerArgs.of(TrainConfig.builder().model("cnn").runDir(runDir).build());
 * Outcome o = new LocalLauncher(System.out).run(2, worker.command().withThreads(1), runDir);
 * }</pre>
 */
public final class LocalLauncher {
  /** Seconds the workers get to stop gracefully before they are killed. */
  public static final Duration GRACE = Duration.ofSeconds(30);

  private static final long POLL_MILLIS = 100;
  private static final int MAX_FRAME_BYTES = 16 << 20;

  private final PrintStream out;
  private long generation;
  private Duration hangTimeout = Duration.ofMinutes(5);
  private RankSpawner.Placement placement = RankSpawner.Placement.HERE;
  private String storeHost = "127.0.0.1";
  private int storePort;

  /** A launcher that tees rank 0's output to {@code out}. */
  public LocalLauncher(PrintStream out) {
    this.out = out;
  }

  /**
   * Treat a worker whose heartbeat (steps done) has not moved for this long as hung: stop every
   * worker and report it. 0 turns the check off.
   */
  public LocalLauncher hangTimeout(Duration t) {
    if (t.isNegative()) {
      throw new IllegalArgumentException("the hang timeout must be >= 0, got " + t);
    }
    this.hangTimeout = t;
    return this;
  }

  /** The rendezvous generation to start the workers in (a restarted world uses a higher one). */
  public LocalLauncher generation(long g) {
    this.generation = g;
    return this;
  }

  /** Puts each worker in its place (an emulated host); by default all run here as they are. */
  public LocalLauncher placement(RankSpawner.Placement p) {
    this.placement = p;
    return this;
  }

  /** Where the store listens (default 127.0.0.1, any free port). */
  public LocalLauncher store(String host, int port) {
    this.storeHost = host;
    this.storePort = port;
    return this;
  }

  /**
   * Runs {@code nproc} copies of {@code worker} and waits for them.
   *
   * @param runDir where the {@code rank-<r>.log} files go (created if missing)
   * @return how it ended; never throws for a worker's failure, only for the launcher's own
   * @throws dev.cohort.comm.CommException if the store cannot listen (e.g. the port is taken)
   */
  public Outcome run(int nproc, JavaCommand worker, Path runDir)
      throws IOException, InterruptedException {
    Files.createDirectories(runDir);
    String secret = System.getenv().getOrDefault(EnvKeys.COHORT_SECRET, Secrets.generate());
    try (StoreServer store =
        StoreServer.start(
            storeHost, storePort, secret.getBytes(StandardCharsets.UTF_8), MAX_FRAME_BYTES)) {
      WorldAddress world =
          new WorldAddress(store.host(), store.port(), nproc, generation, secret, true);
      RankProcesses procs =
          RankSpawner.of(nproc)
              .java(worker)
              .world(world)
              .placement(placement)
              .logs(r -> log(runDir, r))
              .pipe(0)
              .start();
      Thread reaper = new Thread(() -> procs.stop(GRACE), "cohort-launcher-shutdown");
      Runtime.getRuntime().addShutdownHook(reaper);
      try {
        OutputTee.start(procs.get(0), log(runDir, 0), out, "rank 0");
        return watch(procs, runDir, new HangWatch(store, generation, nproc, hangTimeout));
      } finally {
        procs.stop(GRACE);
        try {
          Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException e) {
          // Already shutting down: the hook is running and stops the workers itself.
        }
      }
    }
  }

  private static Path log(Path runDir, int rank) {
    return runDir.resolve("rank-" + rank + ".log");
  }

  private Outcome watch(RankProcesses procs, Path runDir, HangWatch hangs)
      throws InterruptedException, IOException {
    while (true) {
      OptionalInt hung = hangs.poll();
      if (hung.isPresent()) {
        int r = hung.getAsInt();
        procs.kill(); // a hung process may not heed SIGTERM
        return new Outcome(
            -1,
            r,
            "worker rank "
                + r
                + " hung: no progress for "
                + hangTimeout.toSeconds()
                + " s after step "
                + hangs.steps(r)
                + "; all workers were stopped. Last lines of "
                + log(runDir, r)
                + ":\n"
                + RankProcesses.tail(log(runDir, r)));
      }
      boolean allDone = true;
      for (int r = 0; r < procs.size(); r++) {
        Process p = procs.get(r);
        if (p.isAlive()) {
          allDone = false;
        } else if (p.exitValue() != 0) {
          procs.stop(GRACE);
          return new Outcome(
              p.exitValue(),
              r,
              "worker rank "
                  + r
                  + " failed with exit status "
                  + p.exitValue()
                  + "; the other workers were stopped. Last lines of "
                  + log(runDir, r)
                  + ":\n"
                  + RankProcesses.tail(log(runDir, r)));
        }
      }
      if (allDone) {
        return new Outcome(0, -1, "all " + procs.size() + " workers finished");
      }
      Thread.sleep(POLL_MILLIS);
    }
  }
}
