package dev.cohort.cli;

import dev.cohort.train.LayerSplit;
import dev.cohort.train.moe.MoeSettings;
import picocli.CommandLine.Option;

/** The options that split the language model's layers: tensor parallelism or experts. */
final class SplitOptions {
  @Option(
      names = "--tensor",
      defaultValue = "1",
      description =
          "Workers per tensor group for the language model (default 1: none): each layer's"
              + " attention (by heads) and MLP are sharded over consecutive ranks, best on one host"
              + " over shared memory; the groups are data-parallel among themselves.")
  int tensor;

  @Option(
      names = "--experts",
      defaultValue = "0",
      description =
          "Experts per layer for the language model (default 0: the dense MLP): a mixture of"
              + " experts, spread over expert groups of --expert-parallel workers.")
  int experts;

  @Option(
      names = "--expert-parallel",
      defaultValue = "0",
      description =
          "Workers per expert group (default 0: the most that divide both --nproc and"
              + " --experts); the groups are data-parallel among themselves.")
  int expertParallel;

  @Option(
      names = "--top-k",
      defaultValue = "1",
      description = "Experts per token: 1 (Switch) or 2 (GShard) (default ${DEFAULT-VALUE}).")
  int topK;

  @Option(
      names = "--capacity-factor",
      defaultValue = "" + MoeSettings.DEFAULT_CAPACITY,
      description =
          "Slots per expert as a multiple of an even share of a batch's tokens; choices beyond"
              + " are dropped and counted (default ${DEFAULT-VALUE}).")
  double capacityFactor;

  @Option(
      names = "--aux-loss",
      defaultValue = "" + MoeSettings.DEFAULT_AUX_LOSS,
      description =
          "Weight of the load-balancing loss alpha E sum(f_i P_i) (default ${DEFAULT-VALUE}; 0:"
              + " none).")
  double auxLoss;

  /** The split these options give. */
  LayerSplit toSplit() {
    return new LayerSplit(tensor, experts, topK, capacityFactor, auxLoss, expertParallel);
  }
}
