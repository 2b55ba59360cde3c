package dev.cohort.cli;

import dev.cohort.lab.model.MoeStepModel;
import dev.cohort.lab.model.MoeWork;
import dev.cohort.lab.model.NetworkModel;
import dev.cohort.lab.model.PipelinePlanner;
import dev.cohort.lab.model.SplitPlanner;
import dev.cohort.train.model.gpt.GptConfig;
import dev.cohort.train.moe.MoeSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code cohort plan --experts E} for the language model: the model with a mixture of experts in
 * every layer, data parallelism against expert groups, each option's memory per worker and step.
 */
final class ExpertPlan {
  private ExpertPlan() {}

  /**
   * Plans the mixture of experts with {@code c}'s options.
   *
   * @return the exit status
   */
  static int plan(
      PlanCommand c,
      PipelinePlanner planner,
      SplitPlanner splits,
      long budget,
      NetworkModel net,
      String network) {
    PlanSplitOptions split = c.split;
    List<String> pipelineOnly = MatchedOptions.of(c.spec, n -> n.equals("--micro-batches"));
    if (!pipelineOnly.isEmpty()) {
      System.err.println(
          "cohort plan: --micro-batches is for pipelines; a plan with --experts has none");
      return 2;
    }
    MoeSettings moe;
    MoeWork work;
    try {
      moe = new MoeSettings(split.experts, split.topK, split.capacityFactor, 0.01);
      work = moeWork(c, moe, planner.model());
    } catch (IllegalArgumentException e) {
      System.err.println("cohort plan: " + e.getMessage());
      return 2;
    } catch (CostFiles.Unreadable e) {
      System.err.println("cohort plan: " + e.getMessage());
      return e.status;
    }
    List<PipelinePlanner.Option> options = splits.expertOptions(c.workers, moe, work.ratio(), net);
    if (options.isEmpty()) {
      System.err.println(
          "cohort plan: the global batch "
              + c.globalBatch
              + " does not split over "
              + c.workers
              + " workers: use a multiple of --workers");
      return 2;
    }
    System.out.printf(
        Locale.ROOT,
        "Mixture of %d experts per layer, top-%d, capacity factor %.2f; its compute %.2fx the"
            + " dense model's (%s).%n",
        moe.experts(),
        moe.topK(),
        moe.capacityFactor(),
        work.ratio(),
        work.source());
    return LanguageModelPlan.print(planner, options, c.workers, budget, network, System.out);
  }

  /** The MoE's compute over the dense model's: measured by bench moe, else estimated. */
  private static MoeWork moeWork(PlanCommand c, MoeSettings moe, GptConfig g)
      throws CostFiles.Unreadable {
    Path file = c.split.moeBench != null ? c.split.moeBench : PlanSplitOptions.DEFAULT_MOE_BENCH;
    if (c.split.moeBench != null || Files.exists(file)) {
      MoeWork measured =
          CostFiles.readOrNull(
              c.split.moeBench,
              PlanSplitOptions.DEFAULT_MOE_BENCH,
              f -> MoeWork.measured(f, c.model, moe));
      if (measured != null) {
        return measured;
      }
    }
    double ratio = MoeStepModel.sizes(g, moe, c.globalBatch / Math.max(1, c.workers)).workRatio();
    return new MoeWork(ratio, "estimated from floating-point operations");
  }
}
