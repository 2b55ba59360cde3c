package dev.cohort.cli.launch;

import dev.cohort.comm.store.StoreServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts N worker JVMs on this host and watches them, like torchrun: it hosts the rendezvous store,
 * gives every worker its rank and a fresh shared secret, tees rank 0's output to the console, and
 * writes every rank's output to {@code rank-<r>.log} in the run folder. If any worker fails, the
 * others are stopped and the failing rank, its exit status and its last log lines are reported.
 * No worker outlives the launcher. Interrupting the launcher (Ctrl-C, SIGTERM) stops the workers
 * gracefully: they finish the same step, write a final checkpoint when checkpointing is on, and
 * exit.
 */
public final class LocalLauncher {
  private static final int TAIL_LINES = 15;
  private static final int GRACE_SECONDS = 30;
  private final PrintStream out;
  private long generation;
  private java.time.Duration hangTimeout = java.time.Duration.ofMinutes(5);

  public LocalLauncher(PrintStream out) {
    this.out = out;
  }

  /**
   * Treat a worker whose heartbeat (steps done) has not moved for this long as hung: stop every
   * worker and report it. 0 turns the check off. Checked only once a worker has done a step, so
   * start-up and data loading never count.
   */
  public LocalLauncher hangTimeout(java.time.Duration t) {
    this.hangTimeout = t;
    return this;
  }

  /** The rendezvous generation to start the workers in (a restarted world uses a higher one). */
  public LocalLauncher generation(long g) {
    this.generation = g;
    return this;
  }

  /**
   * Where each worker runs: words before its command line (e.g. {@code ip netns exec NS}) and
   * extra environment (e.g. the addresses it binds and advertises).
   */
  public interface Placement {
    List<String> commandPrefix(int rank);

    Map<String, String> environment(int rank);
  }

  private Placement placement;

  /** Puts each worker in its place (an emulated host); by default all run here as they are. */
  public LocalLauncher placement(Placement p) {
    this.placement = p;
    return this;
  }

  /** What happened: 0 when every worker succeeded. */
  public record Outcome(int exitCode, int failedRank, String report) {}

  /** The worker program: {@code cohort worker} with the given arguments. */
  public Outcome run(int nproc, List<String> workerArgs, Path runDir, String bindHost, int port,
      int threadsPerWorker, List<String> jvmOptions) throws IOException, InterruptedException {
    return run(nproc, "dev.cohort.cli.Main", workerArgs, runDir, bindHost, port, threadsPerWorker,
        jvmOptions);
  }

  /**
   * @param mainClass the workers' main class, on this JVM's class path
   * @param workerArgs its arguments, e.g. worker --model cnn
   * @param threadsPerWorker intra-op threads for libtorch in each worker
   */
  public Outcome run(int nproc, String mainClass, List<String> workerArgs, Path runDir,
      String bindHost, int port, int threadsPerWorker, List<String> jvmOptions)
      throws IOException, InterruptedException {
    Files.createDirectories(runDir);
    byte[] secretBytes = new byte[32];
    new SecureRandom().nextBytes(secretBytes);
    String secret = System.getenv().getOrDefault("COHORT_SECRET", HexFormat.of().formatHex(secretBytes));
    List<Process> procs = new ArrayList<>();
    Thread reaper = new Thread(() -> stopAll(procs), "cohort-launcher-shutdown");
    Runtime.getRuntime().addShutdownHook(reaper);
    try (StoreServer store = StoreServer.start(bindHost, port, secret.getBytes(StandardCharsets.UTF_8),
        16 << 20)) {
      for (int r = 0; r < nproc; r++) {
        List<String> cmd = new ArrayList<>();
        if (placement != null) {
          cmd.addAll(placement.commandPrefix(r));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-Dai.djl.pytorch.num_threads=" + threadsPerWorker);
        cmd.add("-Dai.djl.pytorch.num_interop_threads=1");
        cmd.add("-Dai.djl.offline=true");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(workerArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("RANK", Integer.toString(r));
        env.put("LOCAL_RANK", Integer.toString(r));
        env.put("WORLD_SIZE", Integer.toString(nproc));
        env.put("MASTER_ADDR", store.host());
        env.put("MASTER_PORT", Integer.toString(store.port()));
        env.put("COHORT_SECRET", secret);
        env.put(WorldEnvironment.LAUNCHER_STORE, "1");
        env.put("COHORT_GENERATION", Long.toString(generation));
        if (placement != null) {
          env.putAll(placement.environment(r));
        }
        Path log = runDir.resolve("rank-" + r + ".log");
        if (r == 0) {
          Process p = pb.start();
          procs.add(p);
          tee(p, log);
        } else {
          pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
          procs.add(pb.start());
        }
      }
      return watch(procs, runDir, store);
    } finally {
      stopAll(procs);
      try {
        Runtime.getRuntime().removeShutdownHook(reaper);
      } catch (IllegalStateException e) {
        // Already shutting down: the hook is running.
      }
    }
  }

  private Outcome watch(List<Process> procs, Path runDir, StoreServer store)
      throws InterruptedException, IOException {
    long[][] last = new long[procs.size()][2];
    long[] stepChange = new long[procs.size()];
    long[] beatChange = new long[procs.size()];
    java.util.Arrays.fill(stepChange, System.nanoTime());
    java.util.Arrays.fill(beatChange, System.nanoTime());
    while (true) {
      Outcome hung = hung(procs, runDir, store, last, stepChange, beatChange);
      if (hung != null) {
        return hung;
      }
      boolean allDone = true;
      for (int r = 0; r < procs.size(); r++) {
        Process p = procs.get(r);
        if (p.isAlive()) {
          allDone = false;
        } else if (p.exitValue() != 0) {
          stopAll(procs);
          Path log = runDir.resolve("rank-" + r + ".log");
          String report = "worker rank " + r + " failed with exit status " + p.exitValue()
              + "; the other workers were stopped. Last lines of " + log + ":\n" + tail(log);
          return new Outcome(p.exitValue(), r, report);
        }
      }
      if (allDone) {
        return new Outcome(0, -1, "all " + procs.size() + " workers finished");
      }
      Thread.sleep(100);
    }
  }

  /**
   * Kills everyone and reports if a worker's step count stopped moving; else null. The culprit is
   * a rank whose heartbeat stopped altogether (a frozen process), else the rank furthest behind;
   * the others are only waiting for it in a collective.
   */
  private Outcome hung(List<Process> procs, Path runDir, StoreServer store, long[][] last,
      long[] stepChange, long[] beatChange) throws IOException {
    if (hangTimeout.isZero()) {
      return null;
    }
    long now = System.nanoTime();
    boolean stuck = false;
    for (int r = 0; r < procs.size(); r++) {
      String[] v = store.peek(dev.cohort.train.Heartbeat.key(generation, r))
          .map(b -> new String(b, StandardCharsets.UTF_8)).orElse("0:0").split(":");
      long steps = Long.parseLong(v[0]);
      long beats = Long.parseLong(v[1]);
      if (steps != last[r][0]) {
        stepChange[r] = now;
      }
      if (beats != last[r][1]) {
        beatChange[r] = now;
      }
      last[r][0] = steps;
      last[r][1] = beats;
      stuck |= steps > 0 && now - stepChange[r] > hangTimeout.toNanos();
    }
    if (!stuck) {
      return null;
    }
    int culprit = 0;
    for (int r = 0; r < procs.size(); r++) {
      boolean frozen = now - beatChange[r] > 3 * dev.cohort.train.Heartbeat.PERIOD_MS * 1_000_000L;
      if (frozen || last[r][0] < last[culprit][0]) {
        culprit = r;
        if (frozen) {
          break;
        }
      }
    }
    for (Process p : procs) {
      p.destroyForcibly(); // a hung process may not heed SIGTERM
    }
    Path log = runDir.resolve("rank-" + culprit + ".log");
    return new Outcome(-1, culprit, "worker rank " + culprit + " hung: no progress for "
        + hangTimeout.toSeconds() + " s after step " + last[culprit][0] + "; all workers were "
        + "stopped. Last lines of " + log + ":\n" + tail(log));
  }

  private void tee(Process p, Path log) throws IOException {
    Writer file = Files.newBufferedWriter(log, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    Thread t = new Thread(() -> {
      try (file; BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
          StandardCharsets.UTF_8))) {
        int c;
        StringBuilder line = new StringBuilder();
        while ((c = in.read()) >= 0) {
          out.print((char) c); // progress bars redraw with \r: pass characters through as they come
          line.append((char) c);
          if (c == '\n') {
            file.write(line.toString());
            file.flush();
            line.setLength(0);
          }
        }
        file.write(line.toString());
      } catch (IOException e) {
        out.println("(lost rank 0's output: " + e.getMessage() + ")");
      }
    }, "cohort-launcher-rank0-output");
    t.setDaemon(true);
    t.start();
  }

  /**
   * SIGTERM to every worker, which makes them agree on a last step, write a final checkpoint and
   * exit; SIGKILL to any still running after {@value #GRACE_SECONDS} s.
   */
  private static void stopAll(List<Process> procs) {
    for (Process p : procs) {
      p.destroy();
    }
    for (Process p : procs) {
      try {
        if (!p.waitFor(GRACE_SECONDS, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  static String tail(Path log) throws IOException {
    if (!Files.exists(log)) {
      return "  (no output)";
    }
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder();
    for (String l : lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size())) {
      sb.append("  | ").append(l).append('\n');
    }
    return sb.toString();
  }
}
