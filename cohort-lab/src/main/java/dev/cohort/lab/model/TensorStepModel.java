package dev.cohort.lab.model;

import dev.cohort.train.model.gpt.GptConfig;

/**
 * The step time of the language model tensor parallel over t workers of one host, predicted from
 * the whole model's step measured on one worker running as many libtorch threads as a tensor rank
 * does:
 *
 * <ul>
 *   <li>forward and backward: the layers' share φ of the work (by floating-point operations) is
 *       split over the t workers and the rest (embeddings, final norm, head) is done by each;
 *   <li>the optimizer: each worker updates the replicated parameters and its 1/t of the layers';
 *   <li>communication: 4 ring all-reduces per layer of the residual stream, {@code batch × context
 *       × width} floats, over the host's link;
 *   <li>data and the rest of the step as measured;
 *   <li>when the t workers' threads outnumber the cores, everything but data and the rest slows by
 *       that ratio (the cores are time-shared).
 * </ul>
 *
 * @param cfg the model's sizes
 * @param batch sequences per step
 * @param oversubscription the t workers' threads over the host's cores, 1 when they fit
 * @param whole the whole model's step on one worker with a tensor rank's threads, ms by phase
 * @param link the host's link between workers (shared memory)
 */
public record TensorStepModel(
    GptConfig cfg, int batch, double oversubscription, Phases whole, NetworkModel link) {

  /**
   * A step's phases, ms.
   *
   * @param forwardBackward the forward and backward passes (without communication)
   * @param communication the collectives
   * @param optimizer the update
   * @param rest data, waiting and everything else
   */
  public record Phases(
      double forwardBackward, double communication, double optimizer, double rest) {
    public double step() {
      return forwardBackward + communication + optimizer + rest;
    }
  }

  /**
   * A shared-memory link between workers of one host, as docs/benchmarks/comm.md measured a
   * 2-process all-reduce on the 2-core VM: about 30 µs per message and 1.43 GB/s.
   */
  public static final NetworkModel SHARED_MEMORY = NetworkModel.of(30, 1.43 * 8, 0);

  /** The layers' share of a step's floating-point work (forward and backward alike). */
  public static double layerShare(GptConfig cfg) {
    double c = cfg.width();
    double layers = cfg.layers() * (24 * c * c + 4.0 * cfg.context() * c);
    return layers / (layers + 2 * c * cfg.vocabulary());
  }

  /** The parameters a tensor rank of {@code t} holds: the replicated ones and 1/t of the rest. */
  public static double parametersPerRank(GptConfig cfg, int t) {
    double c = cfg.width();
    double sharded = cfg.layers() * (12 * c * c + 7 * c);
    return cfg.parameterCount() - sharded + sharded / t;
  }

  /** The bytes of one of a layer's all-reduces: the residual stream of a batch. */
  public static double allReduceBytes(GptConfig cfg, int batch) {
    return (double) batch * cfg.context() * cfg.width() * Float.BYTES;
  }

  /** The predicted step on a tensor group of {@code t}. */
  public Phases predict(int t) {
    double phi = layerShare(cfg);
    double compute = whole.forwardBackward() * (phi / t + (1 - phi)) * oversubscription;
    double optimizer =
        whole.optimizer() * parametersPerRank(cfg, t) / cfg.parameterCount() * oversubscription;
    double communication =
        4.0
            * cfg.layers()
            * link.allReduceSeconds("ring", t, allReduceBytes(cfg, batch))
            * 1e3
            * oversubscription;
    return new Phases(compute, communication, optimizer, whole.rest());
  }
}
