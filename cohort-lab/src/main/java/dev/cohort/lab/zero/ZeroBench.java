package dev.cohort.lab.zero;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cohort.lab.bench.RankLauncher;
import dev.cohort.lab.bench.TrainBench;
import dev.cohort.launch.WorkerArgs;
import dev.cohort.launch.local.LocalLauncher;
import dev.cohort.launch.local.Outcome;
import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.metrics.Breakdown;
import dev.cohort.train.metrics.MemoryReport;
import dev.cohort.train.metrics.RunSummary;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code cohort bench zero}: every ZeRO stage trains the same model with Adam on the same workers,
 * once per round, and so does PyTorch (DDP, and DDP with ZeroRedundancyOptimizer) when its peer can
 * run; rounds repeat so that a slow spell of this shared host spreads over all cases. Each Cohort
 * run yields its throughput (steps after {@value TrainBench#WARMUP}), its step by phase and rank
 * 0's memory (tracked, predicted, peak resident). One more round over TCP counts the bytes each
 * stage sends per step (over shared memory its collectives are zero-copy and send nothing through
 * the group). {@link ZeroReport} writes the medians.
 *
 * @see dev.cohort.train.TrainConfig#zero
 */
public final class ZeroBench {

  /**
   * @param python the peer's interpreter, or null to run no peer
   */
  public record Options(
      String model,
      int workers,
      int batch,
      int steps,
      int reps,
      List<Integer> stages,
      Path python,
      Path peerScript,
      Path outDir) {}

  /** One Cohort run. */
  record Run(
      int stage,
      double samplesPerSecond,
      RunSummary.StepTimes phases,
      MemoryReport.Worker rank0,
      RunSummary.Traffic traffic) {}

  /** One PyTorch run: mode "ddp" or "zero1". */
  record PeerRun(String mode, double samplesPerSecond, long peakRssBytes) {}

  /**
   * Every Cohort worker's Java heap: fixed and touched from the start, so that its resident memory
   * differs between cases only by native memory (libtorch's tensors, the shared buffers). A heap
   * left to grow makes peak RSS follow the garbage collector's sizing instead: with it, the same
   * case varied by up to 130 MiB between runs here. Adam's state lives in the heap (float arrays):
   * its saving shows in the tracked bytes, not in RSS.
   */
  static final List<String> HEAP = List.of("-Xms768m", "-Xmx768m", "-XX:+AlwaysPreTouch");

  private final Options opt;
  private final PrintStream out;

  public ZeroBench(Options opt, PrintStream out) {
    this.opt = opt;
    this.out = out;
  }

  /** Runs the study; returns the report it wrote. */
  public Path run() throws IOException, InterruptedException {
    Path work = Files.createTempDirectory("cohort-bench-zero-");
    RankLauncher peers = new RankLauncher(work.resolve("peer"));
    Map<Integer, List<Run>> runs = new LinkedHashMap<>();
    Map<String, List<PeerRun>> peerRuns = new LinkedHashMap<>();
    for (int rep = 0; rep < opt.reps(); rep++) {
      for (int stage : opt.stages()) {
        Run r = cohort(stage, work.resolve("zero" + stage + "-rep" + rep), Map.of());
        runs.computeIfAbsent(stage, s -> new ArrayList<>()).add(r);
        out.printf(
            Locale.ROOT,
            "  round %d/%d, --zero %d: %,8.1f samples/s, step %.1f ms, peak RSS %,d MiB%n",
            rep + 1,
            opt.reps(),
            stage,
            r.samplesPerSecond(),
            r.phases().step(),
            r.rank0().peakRssBytes() >> 20);
      }
      if (opt.python() != null) {
        for (String mode : List.of("ddp", "zero1")) {
          PeerRun p = peer(peers, mode);
          peerRuns.computeIfAbsent(mode, m -> new ArrayList<>()).add(p);
          out.printf(
              Locale.ROOT,
              "  round %d/%d, PyTorch %s: %,8.1f samples/s, peak RSS %,d MiB%n",
              rep + 1,
              opt.reps(),
              mode,
              p.samplesPerSecond(),
              p.peakRssBytes() >> 20);
        }
      }
    }
    Map<Integer, RunSummary.Traffic> tcp = new LinkedHashMap<>();
    for (int stage : opt.stages()) {
      Run r =
          cohort(stage, work.resolve("zero" + stage + "-tcp"), Map.of("COHORT_TRANSPORT", "tcp"));
      tcp.put(stage, r.traffic());
      out.printf(
          Locale.ROOT,
          "  over TCP, --zero %d: %,d bytes sent per step (formula %s: %,d)%n",
          stage,
          r.traffic().sentBytesPerStep(),
          r.traffic().formula(),
          r.traffic().formulaBytesPerStep());
    }
    return new ZeroReport(opt, runs, peerRuns, tcp).write(out);
  }

  private Run cohort(int stage, Path dir, Map<String, String> env)
      throws IOException, InterruptedException {
    TrainConfig cfg =
        TrainConfig.builder()
            .model(opt.model())
            .optimizer("adam")
            .batch(opt.batch())
            .zero(stage)
            .maxSteps(opt.steps())
            .testLimit(500)
            .progress(false)
            .runDir(dir)
            .build();
    Outcome o =
        new LocalLauncher(new PrintStream(PrintStream.nullOutputStream()))
            .hangTimeout(Duration.ofMinutes(5))
            .environment(env)
            .run(
                opt.workers(),
                WorkerArgs.of(cfg)
                    .command()
                    .withThreads(JavaCommand.threadsPerWorker(opt.workers()))
                    .withJvmOptions(HEAP),
                dir);
    Breakdown timed = TrainBench.timedSteps(o, dir, "--zero " + stage + " run");
    MemoryReport memory = MemoryReport.read(dir.resolve(MemoryReport.FILE));
    RunSummary summary = RunSummary.read(dir.resolve(RunSummary.FILE));
    return new Run(
        stage,
        timed.samples() * opt.workers() / timed.seconds(),
        timed.perStepMillis(),
        memory.workers().get(0),
        summary.traffic());
  }

  private PeerRun peer(RankLauncher peers, String mode) throws IOException, InterruptedException {
    String threads = Integer.toString(JavaCommand.threadsPerWorker(opt.workers()));
    JsonNode result =
        peers.run(
            "PyTorch " + mode + ", " + opt.model(),
            opt.workers(),
            List.of(
                opt.python().toString(),
                opt.peerScript().toString(),
                "{rank}",
                Integer.toString(opt.workers()),
                "{port}",
                "{out}",
                opt.model(),
                Integer.toString(opt.batch()),
                Integer.toString(opt.steps()),
                threads,
                mode),
            Map.of("OMP_NUM_THREADS", threads),
            600);
    return new PeerRun(
        mode, result.path("samples_per_second").asDouble(), result.path("peak_rss_bytes").asLong());
  }
}
