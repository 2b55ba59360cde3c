package dev.cohort.lab.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cohort.comm.AllReduceAlgorithm;
import dev.cohort.comm.EnvKeys;
import dev.cohort.comm.Secrets;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code cohort bench comm}: all-reduce latency and bandwidth, nccl-tests style, for Cohort's
 * transports and algorithms and for the peer (PyTorch's gloo backend) in the same run. Runs of
 * Cohort and of the peer alternate, repeated, and medians are reported, because this machine's
 * speed drifts from minute to minute.
 */
public final class CommBench {

  /**
   * @param nps process counts
   * @param sizes message sizes in bytes (multiples of 4)
   * @param reps repetitions of the headline runs (Cohort shm, Cohort tcp, gloo), medians taken
   * @param budgetMs time to spend per size per run
   * @param algorithms also sweep each algorithm on each transport once
   * @param python the peer's interpreter, or null to skip the peer
   * @param peerScript the peer's benchmark script
   * @param only headline configurations to run, by {@link #NAMES} ("tcp", "gloo", ...); empty for
   *     all
   */
  public record Options(
      List<Integer> nps,
      List<Long> sizes,
      int reps,
      long budgetMs,
      boolean algorithms,
      Path python,
      Path peerScript,
      Path outDir,
      List<String> only) {}

  /** One measured configuration. */
  public record Config(String impl, String transport, String algorithm) {
    public String label() {
      return impl.equals("gloo") ? "gloo" : impl + " " + transport + " " + algorithm;
    }
  }

  static final Config SHM = new Config("cohort", "shm", "auto");
  static final Config ZERO_COPY = new Config("cohort", "shm", "zero-copy");
  static final Config TCP = new Config("cohort", "tcp", "auto");

  /** TCP with every byte sealed in AES-256-GCM records (COHORT_ENCRYPTION=on). */
  static final Config TCP_AES = new Config("cohort", "tcp+aes", "auto");

  /** Cohort's headline configurations, in table order; gloo joins them when present. */
  static final List<Config> COHORT_HEADLINE = List.of(SHM, ZERO_COPY, TCP, TCP_AES);

  static final Config GLOO = new Config("gloo", "tcp", "default");

  /** The headline configurations by the names {@code --only} takes, in table order. */
  public static final Map<String, Config> NAMES =
      Map.of("shm", SHM, "zero-copy", ZERO_COPY, "tcp", TCP, "tcp+aes", TCP_AES, "gloo", GLOO);

  /**
   * The headline configurations to run, in table order: Cohort's, with gloo third when the peer can
   * run, keeping only those named in {@code only} unless it is empty.
   *
   * @throws IllegalArgumentException for a name not in {@link #NAMES}, listing them
   */
  public static List<Config> headline(List<String> only, boolean peer) {
    for (String name : only) {
      if (!NAMES.containsKey(name)) {
        throw new IllegalArgumentException(
            "unknown configuration '" + name + "'; choose from shm, zero-copy, tcp, tcp+aes, gloo");
      }
    }
    List<Config> all = new ArrayList<>(COHORT_HEADLINE);
    if (peer) {
      all.add(2, GLOO);
    }
    return all.stream().filter(c -> only.isEmpty() || only.contains(nameOf(c))).toList();
  }

  private static String nameOf(Config c) {
    return NAMES.entrySet().stream()
        .filter(e -> e.getValue().equals(c))
        .map(Map.Entry::getKey)
        .findFirst()
        .orElseThrow();
  }

  private final Options opt;
  private final PrintStream out;

  /** Raw results: config label, then np, then one JSON document per run. */
  private final Map<String, Map<Integer, List<JsonNode>>> results = new LinkedHashMap<>();

  private final List<Double> memcpy = new ArrayList<>();

  public CommBench(Options opt, PrintStream out) {
    this.opt = opt;
    this.out = out;
  }

  /** Runs everything and writes comm.md and comm.json; returns the markdown path. */
  public Path run() throws IOException, InterruptedException {
    RankLauncher launcher = new RankLauncher(Files.createTempDirectory("cohort-bench-"));
    List<Config> headline = headline(opt.only(), opt.python() != null);
    int total =
        opt.reps() * opt.nps().size() * headline.size()
            + (opt.algorithms() ? opt.nps().size() * 2 * 3 : 0);
    int done = 0;
    for (int rep = 0; rep < opt.reps(); rep++) {
      memcpy.add(MemcpyProbe.measure(5));
      for (int np : opt.nps()) {
        for (Config c : headline) {
          measure(launcher, c, np, ++done, total);
        }
      }
    }
    if (opt.algorithms()) {
      for (int np : opt.nps()) {
        for (String transport : List.of("shm", "tcp")) {
          for (AllReduceAlgorithm algo : AllReduceAlgorithm.schedules()) {
            measure(
                launcher, new Config("cohort", transport, algo.configName()), np, ++done, total);
          }
        }
      }
    }
    memcpy.add(MemcpyProbe.measure(5));
    return new CommBenchReport(opt, results, memcpy).write(opt.outDir(), out);
  }

  private void measure(RankLauncher launcher, Config c, int np, int index, int total)
      throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    out.printf("[%d/%d] %d processes, %s ... ", index, total, np, c.label());
    out.flush();
    String sizes = String.join(",", opt.sizes().stream().map(String::valueOf).toList());
    List<String> cmd;
    Map<String, String> env = new LinkedHashMap<>();
    if (c.impl().equals("gloo")) {
      cmd =
          List.of(
              opt.python().toString(),
              opt.peerScript().toString(),
              "{rank}",
              Integer.toString(np),
              "{port}",
              "{out}",
              Long.toString(opt.budgetMs()),
              sizes);
      env.put("OMP_NUM_THREADS", "1");
    } else {
      cmd =
          List.of(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-Xmx512m",
              "-XX:+UseParallelGC",
              "-cp",
              System.getProperty("java.class.path"),
              CommBenchWorker.class.getName(),
              "{rank}",
              Integer.toString(np),
              "{port}",
              "{out}",
              Long.toString(opt.budgetMs()),
              sizes,
              c.algorithm().equals("zero-copy") ? "zero-copy" : "plain");
      env.put(EnvKeys.COHORT_SECRET, Secrets.generate());
      boolean sealed = c.transport().equals(TCP_AES.transport());
      env.put(EnvKeys.COHORT_TRANSPORT, sealed ? "tcp" : c.transport());
      env.put(EnvKeys.COHORT_ENCRYPTION, sealed ? "on" : "off");
      env.put(
          EnvKeys.COHORT_ALLREDUCE_ALGO,
          c.algorithm().equals("zero-copy") ? "auto" : c.algorithm());
    }
    JsonNode doc =
        launcher.run(
            c.label() + " with " + np + " processes",
            np,
            cmd,
            env,
            60 + opt.sizes().size() * (opt.budgetMs() * 3 / 1000 + 10));
    results
        .computeIfAbsent(c.label(), k -> new LinkedHashMap<>())
        .computeIfAbsent(np, k -> new ArrayList<>())
        .add(doc);
    JsonNode last = doc.get("results").get(doc.get("results").size() - 1);
    out.printf(
        "%.1f s (largest: %.2f GB/s busbw)%n",
        (System.nanoTime() - t0) / 1e9, last.get("busbw_GBps").asDouble());
  }
}
