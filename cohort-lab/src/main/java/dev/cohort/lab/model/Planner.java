package dev.cohort.lab.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Predicts what data-parallel training costs in time and money for a range of worker counts, and
 * says whether distributing pays. A step on n workers takes the compute of its per-worker batch
 * plus the all-reduce of the gradients (not overlapped: the conservative case, and Cohort's on DJL)
 * plus the optimizer update; the global batch is kept, so the number of steps does not change with
 * n.
 *
 * @param parameters model parameters (float32 gradients are 4 bytes each)
 * @param datasetSamples samples per epoch
 * @param epochs epochs to train
 * @param globalBatch samples per optimizer step over all workers
 * @param computeSecondsPerSample forward + backward time of one sample on one worker
 * @param optimizerSecondsPerParameter update time per parameter
 * @param fixedMemoryBytes per-worker memory that does not depend on the batch (runtime, data)
 * @param memoryBytesPerSample activation memory per sample of the per-worker batch
 * @param pricePerNodeHour cost of one worker for an hour
 */
public record Planner(
    double parameters,
    double datasetSamples,
    int epochs,
    int globalBatch,
    double computeSecondsPerSample,
    double optimizerSecondsPerParameter,
    double fixedMemoryBytes,
    double memoryBytesPerSample,
    double pricePerNodeHour) {

  /**
   * One option of the plan.
   *
   * @param zero the ZeRO stage it trains with (0: plain data parallelism)
   */
  public record Option(
      int workers,
      int batchPerWorker,
      String algorithm,
      double stepSeconds,
      double commSeconds,
      double hours,
      double cost,
      double speedup,
      double efficiency,
      double memoryBytes,
      int zero) {}

  /**
   * A memory budget per worker, which sharded data parallelism (ZeRO) may meet, for fp32 Adam.
   *
   * @param budgetBytes the most one worker may hold
   * @param largestSegment parameters of the largest block: ZeRO-2 and 3 hold one such segment in a
   *     buffer (ZeRO-3 twice: its gathered copy too)
   */
  public record Budget(double budgetBytes, double largestSegment) {}

  /** Options for each worker count that divides the global batch: plain data parallelism. */
  public List<Option> options(NetworkModel net, List<Integer> workerCounts) {
    return options(net, workerCounts, null);
  }

  /**
   * Options for each worker count that divides the global batch. With a {@code budget}, each count
   * takes the lowest ZeRO stage whose memory fits it, and counts where none fits are left out;
   * memory then counts Adam's state (without a budget: weights, gradients and the bucket).
   */
  public List<Option> options(NetworkModel net, List<Integer> workerCounts, Budget budget) {
    double steps = Math.ceil(datasetSamples / globalBatch) * epochs;
    double single = stepSeconds(net, 1, 0).total;
    List<Option> out = new ArrayList<>();
    for (int n : workerCounts) {
      if (n < 1 || globalBatch % n != 0) {
        continue;
      }
      double activations = fixedMemoryBytes + memoryBytesPerSample * (globalBatch / (double) n);
      int zero = 0;
      double memory = activations + 4 * parameters * 3; /* weights, gradients, bucket */
      if (budget != null) {
        zero = -1;
        for (int z = 0; z <= (n == 1 ? 0 : 3) && zero < 0; z++) {
          double m = activations + modelBytes(z, n, budget.largestSegment());
          if (m <= budget.budgetBytes()) {
            zero = z;
            memory = m;
          }
        }
        if (zero < 0) {
          continue;
        }
      }
      Step s = stepSeconds(net, n, zero);
      double hours = steps * s.total / 3600;
      out.add(
          new Option(
              n,
              globalBatch / n,
              s.algorithm,
              s.total,
              s.comm,
              hours,
              hours * n * pricePerNodeHour,
              single / s.total,
              single / s.total / n,
              memory,
              zero));
    }
    return out;
  }

  /**
   * A worker's parameters, gradients, Adam's state and communication buffers with ZeRO stage {@code
   * zero} on {@code n} workers: 16Ψ, 8Ψ + 8Ψ/N, 4Ψ + 12Ψ/N, 16Ψ/N, plus the all-reduce's buckets
   * (4Ψ), ZeRO-1's flat vector (4Ψ), ZeRO-2's segment (4L) or ZeRO-3's two (8L).
   */
  double modelBytes(int zero, int n, double largestSegment) {
    double psi = parameters;
    return switch (zero) {
      case 0 -> 16 * psi + 4 * psi;
      case 1 -> 8 * psi + 8 * psi / n + 4 * psi;
      case 2 -> 4 * psi + 12 * psi / n + 4 * largestSegment;
      default -> 16 * psi / n + 8 * largestSegment;
    };
  }

  private record Step(double total, double comm, String algorithm) {}

  /**
   * A step with ZeRO stage {@code zero}: stages 1 and 2 move an all-reduce's bytes (a
   * reduce-scatter and an all-gather) and update Ψ/N parameters; stage 3 moves 1.5 times as many
   * (the parameters gathered twice) and reruns the forward pass (a third of forward and backward).
   */
  private Step stepSeconds(NetworkModel net, int n, int zero) {
    double compute = computeSecondsPerSample * globalBatch / n * (zero == 3 ? 4.0 / 3 : 1);
    NetworkModel.Choice c = net.best(n, 4 * parameters);
    double comm = c.seconds() * (zero == 3 ? 1.5 : 1);
    double optimizer = optimizerSecondsPerParameter * parameters / (zero == 0 ? 1 : n);
    return new Step(compute + comm + optimizer, comm, n == 1 ? "-" : c.algorithm());
  }

  /**
   * The recommendation: the fastest option whose scaling efficiency is at least {@code
   * minEfficiency}; 1 worker (stay local) when none with more workers qualifies or none is faster.
   */
  public static Option recommend(List<Option> options, double minEfficiency) {
    Option best = options.stream().filter(o -> o.workers() == 1).findFirst().orElse(options.get(0));
    for (Option o : options) {
      if (o.efficiency() >= minEfficiency && o.hours() < best.hours()) {
        best = o;
      }
    }
    return best;
  }

  /** The largest worker count after which doubling gains less than 10% more speed, or -1. */
  public static int diminishingReturnsAt(List<Option> options) {
    for (int i = 1; i < options.size(); i++) {
      Option prev = options.get(i - 1);
      Option cur = options.get(i);
      double gain = cur.speedup() / prev.speedup();
      double scale = (double) cur.workers() / prev.workers();
      if (scale > 1 && gain < 1 + 0.1 * (scale - 1)) {
        return prev.workers();
      }
    }
    return -1;
  }
}
