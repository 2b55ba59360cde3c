package dev.cohort.lab.split;

import dev.cohort.lab.bench.TrainBench;
import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.train.LayerSplit;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.model.Models;
import dev.cohort.train.model.gpt.GptConfig;
import dev.cohort.train.moe.MoeSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The mixture of experts against the dense model of the same compute per token (top-1, experts as
 * wide as the dense MLP): the dense model on one worker (every core, and a worker's share of them
 * for the step model) and data-parallel on two; the MoE on one worker, and expert parallel over two
 * with and without the load-balancing loss. Each case once per round; {@link MoeReport} writes the
 * medians.
 */
public final class MoeBench {
  /**
   * @param model the dense language model, e.g. gpt-4x256
   * @param experts experts per layer
   * @param batch sequences per worker per step
   */
  public record Options(
      String model, int experts, int batch, int steps, int reps, int balanceSteps, Path outDir) {
    /**
     * @throws IllegalArgumentException naming what cannot run
     */
    public Options {
      if (steps <= TrainBench.WARMUP + 1 || reps < 1 || batch < 1) {
        throw new IllegalArgumentException(
            "need --steps > " + (TrainBench.WARMUP + 1) + ", --reps >= 1 and --batch >= 1");
      }
      if (balanceSteps < 3 * BALANCE_WINDOW) {
        throw new IllegalArgumentException(
            "need --balance-steps >= "
                + 3 * BALANCE_WINDOW
                + ": three windows of "
                + BALANCE_WINDOW);
      }
      Models.gptConfig(model);
      settings(experts, MoeSettings.DEFAULT_AUX_LOSS);
      if (experts % 2 != 0) {
        throw new IllegalArgumentException("--experts must be even: the study spreads them over 2");
      }
    }
  }

  /**
   * One run.
   *
   * @param name what the report calls it
   * @param workers processes
   * @param threads libtorch threads each
   * @param split the layers' split (none: the dense model)
   */
  record Case(String name, int workers, int threads, LayerSplit split) {
    boolean dense() {
      return !split.active();
    }

    double oversubscription() {
      return Math.max(1, (double) workers * threads / Runtime.getRuntime().availableProcessors());
    }
  }

  /** Steps per window of the load-balance study. */
  static final int BALANCE_WINDOW = 20;

  static MoeSettings settings(int experts, double aux) {
    return new MoeSettings(experts, 1, MoeSettings.DEFAULT_CAPACITY, aux);
  }

  static LayerSplit split(int experts, double aux, int g) {
    return new LayerSplit(1, experts, 1, MoeSettings.DEFAULT_CAPACITY, aux, g);
  }

  static final String DENSE = "dense, 1 worker";
  static final String MOE_ONE_THREAD = "MoE, 1 worker, 1 thread";
  static final String DENSE_DP = "dense, 2 workers data-parallel";
  static final String MOE = "MoE, 1 worker";
  static final String MOE_EP = "MoE, 2 workers expert-parallel";
  static final String MOE_NO_AUX = "MoE, 2 workers, no balancing loss";

  static List<Case> cases(int experts) {
    int all = JavaCommand.threadsPerWorker(1);
    int half = JavaCommand.threadsPerWorker(2);
    return List.of(
        new Case(DENSE, 1, all, LayerSplit.NONE),
        new Case(DENSE_DP, 2, half, LayerSplit.NONE),
        new Case(MOE, 1, all, split(experts, MoeSettings.DEFAULT_AUX_LOSS, 1)),
        new Case(MOE_ONE_THREAD, 1, half, split(experts, MoeSettings.DEFAULT_AUX_LOSS, 1)),
        new Case(MOE_EP, 2, half, split(experts, MoeSettings.DEFAULT_AUX_LOSS, 2)),
        new Case(MOE_NO_AUX, 2, half, split(experts, 0, 2)));
  }

  private final Options opt;
  private final PrintStream out;

  public MoeBench(Options opt, PrintStream out) {
    this.opt = opt;
    this.out = out;
  }

  /** Runs the study; returns the report it wrote. */
  public Path run() throws IOException, InterruptedException {
    Path work = Files.createTempDirectory("cohort-bench-moe-");
    GptConfig g = Models.gptConfig(opt.model());
    Map<Case, List<SplitRun>> runs = new LinkedHashMap<>();
    for (int rep = 0; rep < opt.reps(); rep++) {
      for (Case c : cases(opt.experts())) {
        TrainConfig cfg =
            SplitRun.config(
                opt.model(), opt.batch(), opt.steps(), opt.batch() * c.workers(), c.split());
        SplitRun r =
            SplitRun.train(
                cfg,
                c.workers(),
                c.threads(),
                c.workers(),
                g.context(),
                work.resolve("case" + runs.size() + "-rep" + rep),
                c.name());
        runs.computeIfAbsent(c, x -> new ArrayList<>()).add(r);
        out.printf(
            Locale.ROOT,
            "  round %d/%d, %-34s %8.0f tokens/s, step %7.1f ms, communication %4.1f%%%n",
            rep + 1,
            opt.reps(),
            c.name(),
            r.tokensPerSecond(),
            r.phases().step(),
            100 * r.communicationShare());
      }
    }
    List<LoadBalance> balance = new ArrayList<>();
    for (double aux : new double[] {MoeSettings.DEFAULT_AUX_LOSS, 0}) {
      Path dir = work.resolve("balance-" + aux);
      SplitRun.train(
          SplitRun.config(
              opt.model(),
              opt.batch(),
              opt.balanceSteps(),
              opt.batch(),
              split(opt.experts(), aux, 1)),
          1,
          0,
          1,
          g.context(),
          dir,
          "load balance, aux " + aux);
      LoadBalance b = LoadBalance.read(dir.resolve("metrics.csv"), aux, BALANCE_WINDOW);
      balance.add(b);
      LoadBalance.Window last = b.windows().get(b.windows().size() - 1);
      out.printf(
          Locale.ROOT,
          "  load balance, alpha %.2f, %d steps: last %d steps dropped %.1f%%, busiest/mean %.2f%n",
          aux,
          opt.balanceSteps(),
          BALANCE_WINDOW,
          100 * last.dropped(),
          last.busiestOverMean());
    }
    return new MoeReport(opt, g, runs, balance).write(out);
  }
}
