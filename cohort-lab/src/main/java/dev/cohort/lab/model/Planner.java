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

  /** One option of the plan. */
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
      double memoryBytes) {}

  /** Options for each worker count that divides the global batch. */
  public List<Option> options(NetworkModel net, List<Integer> workerCounts) {
    double steps = Math.ceil(datasetSamples / globalBatch) * epochs;
    double single = stepSeconds(net, 1).total;
    List<Option> out = new ArrayList<>();
    for (int n : workerCounts) {
      if (n < 1 || globalBatch % n != 0) {
        continue;
      }
      Step s = stepSeconds(net, n);
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
              fixedMemoryBytes
                  + memoryBytesPerSample * (globalBatch / (double) n)
                  + 4 * parameters * 3 /* weights, gradients, bucket */));
    }
    return out;
  }

  private record Step(double total, double comm, String algorithm) {}

  private Step stepSeconds(NetworkModel net, int n) {
    double compute = computeSecondsPerSample * globalBatch / n;
    NetworkModel.Choice c = net.best(n, 4 * parameters);
    double optimizer = optimizerSecondsPerParameter * parameters;
    return new Step(compute + c.seconds() + optimizer, c.seconds(), n == 1 ? "-" : c.algorithm());
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
