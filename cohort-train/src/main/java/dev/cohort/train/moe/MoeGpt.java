package dev.cohort.train.moe;

import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.train.model.gpt.GptConfig;
import dev.cohort.train.tensor.SplitGpt;
import dev.cohort.train.tensor.TensorParallelLayer;

/**
 * The GPT with a mixture of experts in place of every layer's MLP (experts as wide as the MLP, so
 * that top-1 routing costs a token what the dense model does), expert parallel: the experts spread
 * over an expert group, everything else replicated and averaged over the data-parallel world.
 */
public final class MoeGpt {
  private MoeGpt() {}

  /**
   * Where this rank stands.
   *
   * @param experts this rank's expert group (null: every expert here)
   * @param world every rank training the model, each with its own batch (null: this one alone)
   * @param expertReplicas the ranks of the other expert groups holding this rank's experts (null:
   *     none)
   */
  public record Groups(ProcessGroup experts, ProcessGroup world, ProcessGroup expertReplicas) {
    /** Every expert on this rank, alone. */
    public static final Groups ALONE = new Groups(null, null, null);

    int expertGroupSize() {
      return experts == null ? 1 : experts.size();
    }
  }

  /** Builds this rank's part of the model: the whole dense GPT from {@code seed}, experts drawn. */
  public static SplitGpt build(
      Groups groups,
      GptConfig cfg,
      MoeSettings settings,
      int seed,
      Shape microBatch,
      Loss loss,
      SplitGpt.Optimizer optimizer) {
    return new SplitGpt(
        cfg,
        seed,
        microBatch,
        loss,
        (index, full, manager) -> {
          try (ExpertWeights experts =
              ExpertWeights.draw(
                  manager, seed, index, settings.experts(), cfg.width(), 4 * cfg.width())) {
            return new TensorParallelLayer(
                null,
                manager,
                cfg.heads(),
                full,
                new MoeFeedForward(groups.experts(), manager, settings, experts));
          }
        },
        new SplitGpt.Averaging(
            groups.world(), groups.expertReplicas(), 1f / groups.expertGroupSize()),
        optimizer);
  }
}
