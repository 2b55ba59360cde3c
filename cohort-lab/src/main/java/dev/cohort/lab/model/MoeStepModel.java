package dev.cohort.lab.model;

import dev.cohort.train.model.gpt.GptConfig;
import dev.cohort.train.moe.MoeSettings;

/**
 * The step time of the language model with a mixture of experts in every layer, expert parallel
 * over g workers, predicted from the same MoE model's step measured on one worker with as many
 * threads as each of the g workers runs:
 *
 * <ul>
 *   <li>forward and backward: a worker runs its E/g experts over every worker's tokens, as many
 *       slots as one worker's batch fills on one worker, so the work per worker is the one worker's
 *       (time-shared when the workers' threads outnumber the cores);
 *   <li>the optimizer scales with the parameters a worker holds;
 *   <li>communication: 4 all-to-alls per layer of {@code E C c} floats over the link, then each
 *       parameter's gradient averaged (one all-reduce per tensor, the experts' among their replicas
 *       only).
 * </ul>
 *
 * <p>{@link #workRatio} estimates, from floating-point operations, the MoE model's work over the
 * dense model's, for a plan with no MoE measurement.
 *
 * @param cfg the dense model's sizes
 * @param moe the routing
 * @param batch sequences per worker per step
 * @param single the MoE model's step on one worker (all experts), ms by phase
 * @param link among an expert group's workers (the all-to-alls)
 * @param averaging among all the workers (the gradients' averaging)
 */
public record MoeStepModel(
    GptConfig cfg,
    MoeSettings moe,
    int batch,
    TensorStepModel.Phases single,
    NetworkModel link,
    NetworkModel averaging) {

  /**
   * The model's counts alone (capacity, parameters, work), for {@code batch} sequences per worker:
   * no step to predict, so no measured phases and no link.
   */
  public static MoeStepModel sizes(GptConfig cfg, MoeSettings moe, int batch) {
    return new MoeStepModel(
        cfg, moe, batch, new TensorStepModel.Phases(0, 0, 0, 0), TensorStepModel.SHARED_MEMORY);
  }

  /** With one link for both the all-to-alls and the averaging. */
  public MoeStepModel(
      GptConfig cfg, MoeSettings moe, int batch, TensorStepModel.Phases single, NetworkModel link) {
    this(cfg, moe, batch, single, link, link);
  }

  private double tokens() {
    return (double) batch * cfg.context();
  }

  /** Slots per expert, C, for one worker's batch. */
  public int capacity() {
    return moe.capacity(batch * cfg.context());
  }

  /**
   * The MoE model's floating-point work over the dense model's, per step: per layer and token the
   * dense attention and MLP ({@code 24 c² + 4 s c}) against the attention, the router ({@code 2 E
   * c}) and the experts' MLPs over every slot, padding included ({@code 16 c² E C / n}); dispatch
   * and combine are row gathers, without arithmetic.
   */
  public double workRatio() {
    double c = cfg.width();
    double s = cfg.context();
    double slots = (double) moe.experts() * capacity();
    double attention = 8 * c * c + 4 * s * c;
    double denseLayer = attention + 16 * c * c;
    double moeLayer = attention + 2 * moe.experts() * c + 16 * c * c * slots / tokens();
    double head = 2 * c * cfg.vocabulary();
    return (cfg.layers() * moeLayer + head) / (cfg.layers() * denseLayer + head);
  }

  /** Parameters of one expert: the dense model's MLP. */
  public static long expertParameters(GptConfig cfg) {
    long c = cfg.width();
    return 8 * c * c + 5 * c;
  }

  /** The parameters one worker of an expert group of g holds. */
  public long parametersPerWorker(int g) {
    return cfg.parameterCount()
        + cfg.layers()
            * ((long) moe.experts() * cfg.width()
                + (moe.experts() / g - 1L) * expertParameters(cfg));
  }

  /** Every parameter of the MoE model, all experts: what an inference server holds. */
  public long totalParameters() {
    return parametersPerWorker(1);
  }

  /** The parameters a token goes through: the router's and k experts' per layer. */
  public long activeParameters() {
    return cfg.parameterCount()
        + cfg.layers()
            * ((long) moe.experts() * cfg.width() + (moe.topK() - 1L) * expertParameters(cfg));
  }

  /** Bytes one of a layer's all-to-alls hands over per worker: E C c floats. */
  public double allToAllBytes() {
    return (double) moe.experts() * capacity() * cfg.width() * Float.BYTES;
  }

  /**
   * The predicted step over {@code workers} workers in expert groups of {@code g}.
   *
   * @param oversubscription the workers' threads over the host's cores, 1 when they fit
   */
  public TensorStepModel.Phases predict(int workers, int g, double oversubscription) {
    double compute = single.forwardBackward() * oversubscription;
    long held = parametersPerWorker(g);
    double optimizer = single.optimizer() * held / totalParameters() * oversubscription;
    double exchange =
        g == 1
            ? 0
            : 4.0
                * cfg.layers()
                * ((g - 1) * link.alphaSeconds()
                    + (g - 1.0) / g * allToAllBytes() * link.betaSecondsPerByte());
    // One all-reduce per parameter tensor: the embeddings' 2, then per layer its 2 norms' 4, the
    // attention's 4, the router and the experts' 4, then the final norm's 2 and the head's 2.
    int tensors = 2 + cfg.layers() * 13 + 4;
    double expertBytes = 4.0 * cfg.layers() * (moe.experts() / g) * expertParameters(cfg);
    double averagingSeconds =
        workers == 1
            ? 0
            : tensors * averaging.allReduceSeconds("ring", workers, 0)
                + averaging.allReduceSeconds("ring", workers, 4.0 * held - expertBytes)
                + averaging.allReduceSeconds("ring", workers / g, expertBytes);
    return new TensorStepModel.Phases(
        compute, (exchange + averagingSeconds) * 1e3 * oversubscription, optimizer, single.rest());
  }
}
