package dev.cohort.train;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.cohort.train.moe.MoeSettings;

/**
 * How each transformer layer is split over workers (the language model only): tensor parallelism
 * (each layer's attention and MLP sharded over {@code tensor} workers) or a mixture of experts
 * (every MLP replaced by {@code experts} experts, spread over expert groups). The workers not in
 * one tensor or expert group are data-parallel replicas.
 *
 * @param tensor workers per tensor group, t (1: none)
 * @param experts experts per layer, E (0: the dense MLP)
 * @param topK experts each token uses, 1 or 2
 * @param capacityFactor slots per expert as a multiple of an even share of a batch's choices
 * @param auxLoss the load-balancing loss's weight α
 * @param expertParallel workers per expert group, g (0: as many as divide both the workers and E)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record LayerSplit(
    int tensor, int experts, int topK, double capacityFactor, double auxLoss, int expertParallel) {
  /** Layers whole on every worker. */
  public static final LayerSplit NONE =
      new LayerSplit(1, 0, 1, MoeSettings.DEFAULT_CAPACITY, MoeSettings.DEFAULT_AUX_LOSS, 0);

  /**
   * @throws IllegalArgumentException for a size below 1, a mixture that cannot route, or tensor
   *     parallelism and experts together
   */
  public LayerSplit {
    if (tensor < 1) {
      throw new IllegalArgumentException("--tensor must be >= 1, got " + tensor);
    }
    if (experts < 0 || expertParallel < 0) {
      throw new IllegalArgumentException("--experts and --expert-parallel must be >= 0");
    }
    if (experts > 0) {
      new MoeSettings(experts, topK, capacityFactor, auxLoss); // refuses what cannot route
      if (tensor > 1) {
        throw new IllegalArgumentException(
            "--tensor and --experts cannot be combined yet: the experts would need sharding too;"
                + " use --tensor for a dense model or --experts with data parallelism");
      }
    } else if (expertParallel > 0
        || topK != 1
        || capacityFactor != MoeSettings.DEFAULT_CAPACITY
        || auxLoss != MoeSettings.DEFAULT_AUX_LOSS) {
      throw new IllegalArgumentException(
          "--expert-parallel, --top-k, --capacity-factor and --aux-loss need --experts");
    }
  }

  /** Whether any layer is split (else the model trains whole, with pipelines or not). */
  public boolean active() {
    return tensor > 1 || experts > 0;
  }

  /** The routing, for a mixture of experts. */
  public MoeSettings moe() {
    return new MoeSettings(experts, topK, capacityFactor, auxLoss);
  }

  /**
   * Workers per expert group among {@code workers}: {@code --expert-parallel}, or the largest that
   * divides both the workers and the experts.
   *
   * @throws IllegalArgumentException if the given size does not divide both
   */
  public int expertGroup(int workers) {
    if (expertParallel == 0) {
      int g = Math.min(workers, experts);
      while (workers % g != 0 || experts % g != 0) {
        g--;
      }
      return g;
    }
    if (workers % expertParallel != 0 || experts % expertParallel != 0) {
      throw new IllegalArgumentException(
          "--expert-parallel "
              + expertParallel
              + " must divide both the workers ("
              + workers
              + ") and --experts ("
              + experts
              + ")");
    }
    return expertParallel;
  }

  /**
   * Checks the split against {@code workers} and the model's {@code heads} and {@code width}.
   *
   * @throws IllegalArgumentException naming what does not divide and what would
   */
  public void check(int workers, int heads, int width) {
    if (tensor > 1) {
      if (workers % tensor != 0) {
        throw new IllegalArgumentException(
            workers
                + " workers do not make whole tensor groups of --tensor "
                + tensor
                + ": use a multiple of "
                + tensor);
      }
      if (heads % tensor != 0) {
        throw new IllegalArgumentException(
            "the model's "
                + heads
                + " attention heads cannot be split evenly over --tensor "
                + tensor
                + ": use a tensor group size that divides "
                + heads);
      }
      if (4 * width % tensor != 0) {
        throw new IllegalArgumentException(
            "the model's MLP width "
                + 4 * width
                + " cannot be split evenly over --tensor "
                + tensor
                + ": use a tensor group size that divides "
                + 4 * width);
      }
    }
    if (experts > 0) {
      expertGroup(workers);
    }
  }
}
