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
 * Trains the language model on one worker (its layers whole, DJL's blocks) and tensor parallel over
 * t workers, each size once per round so that a slow spell of this shared host spreads over all of
 * them; {@link TensorReport} writes the medians with the step model's predictions.
 */
public final class TensorBench {
  /**
   * @param model the language model, e.g. gpt-4x256
   * @param batch sequences per step (one replica: every rank of the tensor group sees them)
   * @param tensors the tensor group sizes to run, 1 for the whole model
   */
  public record Options(
      String model, int batch, int steps, int reps, List<Integer> tensors, Path outDir) {
    /**
     * @throws IllegalArgumentException naming what cannot run
     */
    public Options {
      if (steps <= TrainBench.WARMUP + 1 || reps < 1 || batch < 1) {
        throw new IllegalArgumentException(
            "need --steps > " + (TrainBench.WARMUP + 1) + ", --reps >= 1 and --batch >= 1");
      }
      GptConfig g = Models.gptConfig(model);
      for (int t : tensors) {
        split(t).check(t, g.heads(), g.width());
      }
    }
  }

  /**
   * One run: t workers, each with {@code threads} libtorch threads.
   *
   * @param tensor the tensor group's size, 1 for the whole model on one worker
   */
  record Case(int tensor, int threads) {
    /** The t workers' threads over the host's cores, at least 1. */
    double oversubscription() {
      return Math.max(1, (double) tensor * threads / Runtime.getRuntime().availableProcessors());
    }

    @Override
    public String toString() {
      return "t=" + tensor + " (" + threads + (threads == 1 ? " thread" : " threads") + " each)";
    }
  }

  /**
   * The runs of a study: each size with the cores shared out among its workers, and the whole model
   * on one worker with each tensor rank's number of threads (what the step model is calibrated
   * with) where that differs from every core.
   */
  static List<Case> cases(List<Integer> tensors) {
    List<Case> out = new ArrayList<>();
    for (int t : tensors) {
      out.add(new Case(t, JavaCommand.threadsPerWorker(t)));
    }
    for (int t : tensors) {
      Case calibration = new Case(1, JavaCommand.threadsPerWorker(t));
      if (!out.contains(calibration)) {
        out.add(calibration);
      }
    }
    return out;
  }

  private final Options opt;
  private final PrintStream out;

  public TensorBench(Options opt, PrintStream out) {
    this.opt = opt;
    this.out = out;
  }

  static LayerSplit split(int t) {
    return new LayerSplit(t, 0, 1, MoeSettings.DEFAULT_CAPACITY, MoeSettings.DEFAULT_AUX_LOSS, 0);
  }

  /** Runs the study; returns the report it wrote. */
  public Path run() throws IOException, InterruptedException {
    Path work = Files.createTempDirectory("cohort-bench-tensor-");
    GptConfig g = Models.gptConfig(opt.model());
    Map<Case, List<SplitRun>> runs = new LinkedHashMap<>();
    for (int rep = 0; rep < opt.reps(); rep++) {
      for (Case c : cases(opt.tensors())) {
        int t = c.tensor();
        TrainConfig cfg =
            SplitRun.config(opt.model(), opt.batch(), opt.steps(), opt.batch(), split(t));
        SplitRun r =
            SplitRun.train(
                cfg,
                t,
                c.threads(),
                1,
                g.context(),
                work.resolve("t" + t + "-" + c.threads() + "-rep" + rep),
                "tensor " + c);
        runs.computeIfAbsent(c, x -> new ArrayList<>()).add(r);
        out.printf(
            Locale.ROOT,
            "  round %d/%d, %-22s %8.0f tokens/s, step %7.1f ms, communication %4.1f%%%n",
            rep + 1,
            opt.reps(),
            c,
            r.tokensPerSecond(),
            r.phases().step(),
            100 * r.communicationShare());
      }
    }
    return new TensorReport(opt, g, runs).write(out);
  }
}
