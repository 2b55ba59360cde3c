package dev.cohort.lab.model;

import dev.cohort.comm.collective.AllReduceSelector;
import java.util.List;

/**
 * Predicts one data-parallel training step — data, forward/backward, communication, waiting,
 * optimizer — and each worker's memory, from a {@link Calibration} measured by short
 * runs and an α-β-γ {@link NetworkModel} of the path between workers. It knows what the trainer
 * does: gradients travel in buckets, each all-reduced by the algorithm Cohort's selector would pick
 * (or the one forced), one after the other. And it knows what sharing a host does: workers on the
 * same cores slow each other down, and the faster workers wait at each all-reduce for the slowest.
 * Both are measured with two workers and with a crowd of twice as many workers as cores, and
 * interpolated linearly in between; beyond the crowd, work slows in proportion to the workers and
 * the slowest worker's lead grows like the expected maximum of that many normal variables.
 */
public final class StepTimeModel {
  /** Cohort's default threshold for the latency-optimal algorithm (CommConfig). */
  private static final long SMALL_MESSAGE_BYTES = 64 * 1024;
  /** Expected maximum of n standard normal variables, n = 0..8. */
  private static final double[] EXPECTED_MAX = {0, 0, 0.5642, 0.8463, 1.0294, 1.1630, 1.2672,
      1.3522, 1.4236};

  private final Calibration cal;
  private final NetworkModel net;

  public StepTimeModel(Calibration cal, NetworkModel net) {
    this.cal = cal;
    this.net = net;
  }

  /**
   * Costs of one model, measured by short runs: one worker alone, and two single-thread workers
   * side by side (how much sharing the host costs).
   *
   * @param computeFixedSeconds forward/backward time that does not grow with the batch; "compute"
   *     here includes the rest of the worker's step outside data, communication and optimizer
   *     (reading the loss, releasing the step's arrays), which also grows with the batch
   * @param computePerSampleOneThread forward/backward time per sample with one libtorch thread
   * @param computePerSampleAllThreads the same with all cores' threads (a single worker's setting)
   * @param dataPerSampleSeconds batch assembly per sample
   * @param optimizerSeconds one optimizer update of all parameters
   * @param packSecondsPerByte copying gradients into buckets and zeroing them, per gradient byte
   * @param computeSlowdownTwo forward/backward and data time of each of two workers sharing the
   *     host, over one worker's alone
   * @param fixedSlowdownTwo the same for the optimizer
   * @param waitFractionTwo time two workers wait for each other, over their local work
   * @param crowdWorkers the worker count of the crowded measurement (twice the cores)
   * @param computeSlowdownCrowd forward/backward and data slowdown of each of the crowd
   * @param waitFractionCrowd the crowd's waiting over its local work
   * @param memoryFixedBytes a worker's peak resident memory apart from the batch
   * @param memoryPerSampleBytes resident memory per sample of the per-worker batch
   * @param cores cores of the host the workers share
   */
  public record Calibration(String model, double parameters, double computeFixedSeconds,
      double computePerSampleOneThread, double computePerSampleAllThreads,
      double dataPerSampleSeconds, double optimizerSeconds, double packSecondsPerByte,
      double computeSlowdownTwo, double fixedSlowdownTwo,
      double waitFractionTwo, int crowdWorkers, double computeSlowdownCrowd,
      double waitFractionCrowd, double memoryFixedBytes, double memoryPerSampleBytes, int cores) {}

  /** One step's predicted costs in seconds, and the memory of one worker in bytes. */
  public record Prediction(double data, double compute, double communication, double waiting,
      double optimizer, double memoryBytes) {
    public double step() {
      return data + compute + communication + waiting + optimizer;
    }
  }

  /**
   * @param workers worker processes on this host
   * @param threads libtorch threads per worker
   * @param batchPerWorker samples per worker per step
   * @param algorithm "auto" or an all-reduce algorithm name
   * @param bucketBytes the gradient buckets, in the order they are reduced
   * @param extraLatencySeconds one-way latency the network adds to each message
   * @param linkBytesPerSecond each worker's link rate (infinity: no limit)
   */
  public Prediction predict(int workers, int threads, int batchPerWorker, String algorithm,
      List<Integer> bucketBytes, double extraLatencySeconds, double linkBytesPerSecond) {
    double scale = workers / 2.0;
    double computeShare = workers == 1 ? 1 : Math.max(1, sharing(workers,
        cal.computeSlowdownTwo(), cal.computeSlowdownCrowd(), (double) workers / cal.crowdWorkers()));
    double fixedShare = workers == 1 ? 1 : Math.max(1, cal.fixedSlowdownTwo() * scale);
    double perSample = threads >= cal.cores() ? cal.computePerSampleAllThreads()
        : cal.computePerSampleOneThread();
    double compute = (cal.computeFixedSeconds() + perSample * batchPerWorker) * computeShare;
    double data = cal.dataPerSampleSeconds() * batchPerWorker * computeShare;
    double optimizer = cal.optimizerSeconds() * fixedShare;
    // The path's own per-message and per-byte costs were measured with two processes; more slow
    // down with sharing. The emulated latency and rate do not.
    double commShare = Math.max(1, scale);
    NetworkModel shared = new NetworkModel(net.alphaSeconds() * commShare,
        net.betaSecondsPerByte() * commShare, net.gammaSecondsPerByte() * commShare)
        .under(extraLatencySeconds, linkBytesPerSecond);
    AllReduceSelector selector = new AllReduceSelector(algorithm, SMALL_MESSAGE_BYTES);
    double comm = 0;
    double bytes = 0;
    for (int b : bucketBytes) {
      bytes += b;
      if (workers > 1) {
        comm += shared.allReduceSeconds(selector.choose(b, workers).name(), workers, b);
      }
    }
    double communication = cal.packSecondsPerByte() * bytes * fixedShare + comm;
    double local = compute + data + optimizer;
    double waiting = workers == 1 ? 0 : local * sharing(workers, cal.waitFractionTwo(),
        cal.waitFractionCrowd(), expectedMax(workers) / expectedMax(cal.crowdWorkers()));
    double memory = cal.memoryFixedBytes() + cal.memoryPerSampleBytes() * batchPerWorker
        + (workers > 1 ? bytes : 0);
    return new Prediction(data, compute, communication, waiting, optimizer, memory);
  }

  /**
   * A sharing effect measured at 2 workers ({@code two}) and at the crowd ({@code crowd}):
   * linear in between, the crowd's value times {@code beyond} past it.
   */
  private double sharing(int workers, double two, double crowd, double beyond) {
    int c = cal.crowdWorkers();
    if (workers >= c) {
      return crowd * Math.max(1, beyond);
    }
    return two + (crowd - two) * (workers - 2) / (double) (c - 2);
  }

  private static double expectedMax(int n) {
    return n < EXPECTED_MAX.length ? EXPECTED_MAX[n] : Math.sqrt(2 * Math.log(n));
  }
}
