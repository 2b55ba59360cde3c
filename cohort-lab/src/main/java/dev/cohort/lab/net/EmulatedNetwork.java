package dev.cohort.lab.net;

import dev.cohort.lab.bench.TrainBench;
import dev.cohort.launch.WorkerArgs;
import dev.cohort.launch.local.LocalLauncher;
import dev.cohort.launch.local.Outcome;
import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.launch.spawn.RankSpawner;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.metrics.Breakdown;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Where and how N local workers talk to each other under a {@link NetworkCondition}: the command
 * that puts a worker in its place (a network namespace, or nothing), the addresses it binds and
 * advertises, and where the launcher's store listens. Closing it removes everything it made.
 */
public interface EmulatedNetwork extends RankSpawner.Placement, AutoCloseable {

  NetworkCondition condition();

  /**
   * How the condition is made, for reports: "network namespaces + tc" (kernel-shaped), with "+
   * delay relay" where latency is added in user space, or "emulated in-process" on loopback.
   */
  String method();

  /** Address the launcher's rendezvous store binds so every worker can reach it. */
  String storeHost();

  /** Command words to put before the worker's command line (e.g. ip netns exec NAME). */
  @Override
  List<String> commandPrefix(int rank);

  /** COHORT_* variables for the worker: TCP transport, bind and advertised address, port. */
  @Override
  Map<String, String> environment(int rank);

  @Override
  void close();

  /** Whether workers on different emulated hosts are on different hosts to Cohort. */
  default boolean separateHosts() {
    return false;
  }

  /** This network, with {@code extra} added to every worker's environment. */
  default EmulatedNetwork withEnvironment(Map<String, String> extra) {
    EmulatedNetwork base = this;
    return new EmulatedNetwork() {
      @Override
      public NetworkCondition condition() {
        return base.condition();
      }

      @Override
      public String method() {
        return base.method();
      }

      @Override
      public String storeHost() {
        return base.storeHost();
      }

      @Override
      public List<String> commandPrefix(int rank) {
        return base.commandPrefix(rank);
      }

      @Override
      public Map<String, String> environment(int rank) {
        Map<String, String> env = new java.util.LinkedHashMap<>(base.environment(rank));
        env.putAll(extra);
        return env;
      }

      @Override
      public boolean separateHosts() {
        return base.separateHosts();
      }

      @Override
      public void close() {
        base.close();
      }
    };
  }

  /**
   * Trains {@code cfg} (in its run folder) on {@code workers} processes placed on this network,
   * each with cores / workers libtorch threads, and returns its steps after the first {@value
   * TrainBench#WARMUP}.
   *
   * @param what names the run in the error
   * @throws IOException if the run failed, with the launcher's report
   */
  default Breakdown timedTraining(TrainConfig cfg, int workers, String what)
      throws IOException, InterruptedException {
    Outcome o =
        new LocalLauncher(new PrintStream(PrintStream.nullOutputStream()))
            .hangTimeout(Duration.ofMinutes(5))
            .placement(this)
            .store(storeHost(), 0)
            .run(
                workers,
                WorkerArgs.of(cfg).command().withThreads(JavaCommand.threadsPerWorker(workers)),
                cfg.runDir());
    return TrainBench.timedSteps(o, cfg.runDir(), what);
  }

  /**
   * Builds the condition for {@code workers} workers: namespaces, veth pairs on a bridge, tc rate
   * limits and nft loss when this process may (root, with ip and tc); a loopback relay otherwise,
   * or when making namespaces fails (the reason goes to {@code warnings}).
   *
   * @param preferNamespaces false forces the in-process fallback
   * @throws IllegalArgumentException when the condition cannot be made here (loss without nft)
   */
  static EmulatedNetwork open(
      NetworkCondition condition,
      int workers,
      boolean preferNamespaces,
      long seed,
      Consumer<String> warnings)
      throws IOException {
    return open(condition, workers, 1, preferNamespaces, seed, warnings);
  }

  /**
   * As {@link #open(NetworkCondition, int, boolean, long, Consumer)}, with {@code perHost} workers
   * on each emulated host (a namespace whose link they share; shared memory among them). The
   * in-process fallback cannot tell hosts apart: there every worker is on one host.
   */
  static EmulatedNetwork open(
      NetworkCondition condition,
      int workers,
      int perHost,
      boolean preferNamespaces,
      long seed,
      Consumer<String> warnings)
      throws IOException {
    if (preferNamespaces && NamespaceNetwork.available()) {
      try {
        return NamespaceNetwork.create(condition, workers, perHost, seed);
      } catch (IOException e) {
        warnings.accept(
            "cannot make network namespaces ("
                + e.getMessage()
                + "); emulating "
                + condition.name()
                + " in-process on loopback instead");
      }
    }
    return LoopbackNetwork.create(condition, workers, seed);
  }
}
