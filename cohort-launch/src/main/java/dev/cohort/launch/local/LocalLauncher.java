package dev.cohort.launch.local;

import dev.cohort.comm.EnvKeys;
import dev.cohort.comm.LauncherWatch;
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
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Starts N processes of one command on this host and watches them, like torchrun: it hosts the
 * rendezvous store, gives every process its rank and a fresh shared secret, tees rank 0's output
 * (or every rank's, prefixed) to the console, and writes every rank's output to {@code
 * rank-<r>.log} in the run folder. If any process fails, the others are stopped and the failing
 * rank, its exit status and its last log lines are reported. No process outlives the launcher, nor
 * any process one of them started; should the launcher be killed outright (SIGKILL), Cohort's
 * training workers and any program that joined with {@code Cohort.init()} see it gone within a
 * second ({@link LauncherWatch}: every process gets the launcher's id in {@link
 * EnvKeys#COHORT_LAUNCHER_PID}) and exit with status {@value LauncherWatch#EXIT_STATUS}.
 * Interrupting the launcher (Ctrl-C, SIGTERM) stops the processes gracefully (SIGTERM, then SIGKILL
 * after {@link #GRACE}): training workers finish the same step, write a final checkpoint when
 * checkpointing is on, and exit.
 *
 * <pre>{@code
 * WorkerArgs worker = WorkerArgs.of(TrainConfig.builder().model("cnn").runDir(runDir).build());
 * Outcome o = new LocalLauncher(System.out).run(2, worker.command().withThreads(1), runDir);
 * }</pre>
 */
public final class LocalLauncher {
  /** Seconds the workers get to stop gracefully before they are killed. */
  public static final Duration GRACE = Duration.ofSeconds(30);

  /** What the console shows. */
  public enum Console {
    /** Rank 0's output as it comes (progress bars included); the others only in their logs. */
    RANK_0,
    /** Every rank's output, a line at a time, each behind {@code [rank r] }. */
    EVERY_RANK
  }

  /** What counts as progress for the hang timeout. */
  public enum Progress {
    /** Training heartbeats (steps done) in the launcher's store, as Cohort's workers publish. */
    HEARTBEATS,
    /** Output: the world is hung when no running rank has written anything for the timeout. */
    OUTPUT
  }

  private static final long POLL_MILLIS = 100;

  /** How often the processes the ranks started are looked for: each second. */
  private static final long TRACK_EVERY_POLLS = 10;

  private static final int MAX_FRAME_BYTES = 16 << 20;
  private static final Duration DRAIN = Duration.ofSeconds(2);

  /** Guards {@link #stopping}: processes are started and the shutdown begins one at a time. */
  private static final Object SHUTDOWN_LOCK = new Object();

  /** Set once the JVM shuts down (Ctrl-C, SIGTERM): no launcher starts processes after that. */
  private static boolean stopping; // guarded by SHUTDOWN_LOCK

  private final PrintStream out;
  private long generation;
  private Duration hangTimeout = Duration.ofMinutes(5);
  private Progress progress = Progress.HEARTBEATS;
  private Console console = Console.RANK_0;
  private Map<String, String> environment = Map.of();
  private RankSpawner.Placement placement = RankSpawner.Placement.HERE;
  private String storeHost = "127.0.0.1";
  private int storePort;

  /** A launcher that tees rank 0's output to {@code out}. */
  public LocalLauncher(PrintStream out) {
    this.out = out;
  }

  /**
   * Treat a world that has made no progress for this long as hung: stop every process and report
   * the rank to blame. 0 turns the check off.
   */
  public LocalLauncher hangTimeout(Duration t) {
    if (t.isNegative()) {
      throw new IllegalArgumentException("the hang timeout must be >= 0, got " + t);
    }
    this.hangTimeout = t;
    return this;
  }

  /** What counts as progress for the hang timeout (default: training heartbeats). */
  public LocalLauncher progress(Progress p) {
    this.progress = p;
    return this;
  }

  /** What the console shows (default: rank 0's output). */
  public LocalLauncher console(Console c) {
    this.console = c;
    return this;
  }

  /** Extra environment for every process, applied after the world's variables. */
  public LocalLauncher environment(Map<String, String> extra) {
    this.environment = Map.copyOf(extra);
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
    return run(nproc, worker.toList(), runDir);
  }

  /**
   * Runs {@code nproc} copies of any command (the same command line for every rank; each learns its
   * rank from its environment) and waits for them.
   *
   * @param runDir where the {@code rank-<r>.log} files go (created if missing)
   * @return how it ended; never throws for a process's failure, only for the launcher's own
   * @throws IOException if a process cannot be started (those already started are stopped)
   * @throws dev.cohort.comm.CommException if the store cannot listen (e.g. the port is taken)
   */
  public Outcome run(int nproc, List<String> command, Path runDir)
      throws IOException, InterruptedException {
    Files.createDirectories(runDir);
    String secret = System.getenv().getOrDefault(EnvKeys.COHORT_SECRET, Secrets.generate());
    try (StoreServer store =
        StoreServer.start(
            storeHost, storePort, secret.getBytes(StandardCharsets.UTF_8), MAX_FRAME_BYTES)) {
      WorldAddress world =
          new WorldAddress(store.host(), store.port(), nproc, generation, secret, true);
      boolean teeAll = console == Console.EVERY_RANK || progress == Progress.OUTPUT;
      RankSpawner spawner =
          RankSpawner.of(nproc)
              .command(r -> command)
              .world(world)
              // Workers end themselves when this process is gone (killed with SIGKILL).
              .environment(
                  Map.of(EnvKeys.COHORT_LAUNCHER_PID, Long.toString(ProcessHandle.current().pid())))
              .environment(environment)
              .placement(placement)
              .logs(r -> log(runDir, r));
      spawner = teeAll ? spawner.pipeAll() : spawner.pipe(0);
      Running[] running = new Running[1];
      Thread reaper =
          new Thread(
              () -> {
                Running started;
                synchronized (SHUTDOWN_LOCK) {
                  stopping = true;
                  started = running[0];
                }
                if (started != null) {
                  started.stop();
                }
              },
              "cohort-launcher-shutdown");
      try {
        Runtime.getRuntime().addShutdownHook(reaper);
      } catch (IllegalStateException e) {
        return stoppedBeforeStart();
      }
      try {
        Running started;
        synchronized (SHUTDOWN_LOCK) {
          if (stopping) {
            return stoppedBeforeStart();
          }
          RankProcesses procs = spawner.start();
          try {
            started = new Running(procs, tees(procs, runDir, teeAll));
          } catch (IOException | RuntimeException e) {
            procs.close();
            throw e;
          }
          running[0] = started;
        }
        try {
          ProgressWatch hangs =
              progress == Progress.OUTPUT
                  ? new SilenceWatch(started.tees(), started.procs(), hangTimeout)
                  : new HangWatch(store, generation, nproc, hangTimeout);
          return watch(started.procs(), started.tees(), runDir, hangs);
        } finally {
          started.stop();
        }
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException e) {
          // Already shutting down: the hook is running and stops the workers itself.
        }
      }
    }
  }

  /**
   * True once this JVM has begun to shut down (Ctrl-C, SIGTERM): launchers then start nothing, and
   * restart loops stop.
   */
  public static boolean isShuttingDown() {
    synchronized (SHUTDOWN_LOCK) {
      return stopping;
    }
  }

  /** The started processes and the tees copying their output. */
  private record Running(RankProcesses procs, OutputTee[] tees) {
    /** Stops every process (SIGTERM, then SIGKILL after the grace), then lets the logs complete. */
    void stop() {
      procs.stop(GRACE);
      try {
        for (int r = 0; r < tees.length; r++) {
          drain(tees, r);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Tees rank 0 (as it comes) or every rank (prefixed) to the console and the logs. */
  private OutputTee[] tees(RankProcesses procs, Path runDir, boolean teeAll) throws IOException {
    OutputTee[] tees = new OutputTee[procs.size()];
    for (int r = 0; r < procs.size(); r++) {
      if (r == 0 && console == Console.RANK_0) {
        tees[r] = OutputTee.start(procs.get(r), log(runDir, r), out, "rank 0");
      } else if (teeAll) {
        PrintStream shown =
            console == Console.EVERY_RANK ? out : new PrintStream(PrintStream.nullOutputStream());
        tees[r] =
            OutputTee.prefixed(
                procs.get(r), log(runDir, r), shown, "[rank " + r + "] ", "rank " + r);
      }
    }
    return tees;
  }

  private static Outcome stoppedBeforeStart() {
    return new Outcome(-1, -1, "the launcher is shutting down; no process was started");
  }

  private static Path log(Path runDir, int rank) {
    return runDir.resolve("rank-" + rank + ".log");
  }

  private Outcome watch(RankProcesses procs, OutputTee[] tees, Path runDir, ProgressWatch hangs)
      throws InterruptedException, IOException {
    for (long poll = 0; ; poll++) {
      if (poll % TRACK_EVERY_POLLS == 0) {
        procs.track();
      }
      OptionalInt hung = hangs.poll();
      if (hung.isPresent()) {
        int r = hung.getAsInt();
        procs.kill(); // a hung process may not heed SIGTERM
        drain(tees, r);
        return new Outcome(
            -1,
            r,
            "worker rank "
                + r
                + " hung: "
                + hangs.why(r)
                + "; all workers were stopped. Last lines of "
                + log(runDir, r)
                + ":\n"
                + RankProcesses.tail(log(runDir, r), r));
      }
      boolean allDone = true;
      for (int r = 0; r < procs.size(); r++) {
        Process p = procs.get(r);
        if (p.isAlive()) {
          allDone = false;
        } else if (p.exitValue() != 0) {
          procs.stop(GRACE);
          drain(tees, r);
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
                  + RankProcesses.tail(log(runDir, r), r));
        }
      }
      if (allDone) {
        for (int r = 0; r < tees.length; r++) {
          drain(tees, r);
        }
        return new Outcome(0, -1, "all " + procs.size() + " workers finished");
      }
      Thread.sleep(POLL_MILLIS);
    }
  }

  /** Lets rank r's tee copy the last of its output, so that its log is complete. */
  private static void drain(OutputTee[] tees, int r) throws InterruptedException {
    if (tees[r] != null) {
      tees[r].drain(DRAIN);
    }
  }
}
