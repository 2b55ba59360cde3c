package dev.cohort.lab.model;

import dev.cohort.comm.AllReduceAlgorithm;
import dev.cohort.comm.CommConfig;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Predicts one data-parallel training step — data, forward/backward, communication, waiting,
 * optimizer and the step's fixed overhead — and each worker's memory, from a {@link Calibration}
 * measured by short runs and an α-β-γ {@link NetworkModel} of the path between workers. It knows
 * what the trainer does: gradients travel in buckets, each all-reduced by the algorithm Cohort's
 * selector would pick (or the one forced), one after the other. And it knows what sharing a host
 * does: workers on the same cores slow each other's work down, every step pays an overhead for
 * handing the cores between more threads than there are (growing less than the batch), moving
 * gradients costs more or less than the path's α-β model says (caches, cores), and the faster
 * workers wait at each all-reduce for the slowest. All four are measured with two workers and with
 * a crowd of twice as many workers as cores, each at a small and a large per-worker batch; between
 * the two batches they are interpolated in log(batch) (outside, the nearer one holds), between the
 * two worker counts linearly; beyond the crowd, work and overhead grow in proportion to the workers
 * and the slowest worker's lead like the expected maximum of that many normal variables.
 */
public final class StepTimeModel {
  /** Expected maximum of n standard normal variables, n = 0..8. */
  private static final double[] EXPECTED_MAX = {
    0, 0, 0.5642, 0.8463, 1.0294, 1.1630, 1.2672, 1.3522, 1.4236
  };

  private final Calibration cal;
  private final NetworkModel net;

  public StepTimeModel(Calibration cal, NetworkModel net) {
    this.cal = cal;
    this.net = net;
  }

  /**
   * What a worker alone costs.
   *
   * @param computeFixedSeconds forward/backward time that does not grow with the batch
   * @param computePerSampleOneThread forward/backward time per sample with one libtorch thread
   * @param computePerSampleAllThreads the same with all cores' threads (a single worker's setting)
   * @param dataPerSampleSeconds batch assembly per sample
   * @param optimizerSeconds one optimizer update of all parameters
   * @param packSecondsPerByte copying gradients into buckets and zeroing them, per gradient byte
   * @param overheadOneThread the rest of a step (reading the loss, releasing the step's arrays,
   *     waking helper threads) with one libtorch thread
   * @param overheadAllThreads the same with all cores' threads
   */
  public record Alone(
      double computeFixedSeconds,
      double computePerSampleOneThread,
      double computePerSampleAllThreads,
      double dataPerSampleSeconds,
      double optimizerSeconds,
      double packSecondsPerByte,
      double overheadOneThread,
      double overheadAllThreads) {}

  /**
   * What sharing the host costs, measured with {@code workers} single-thread workers side by side,
   * each with {@code batch} samples per step.
   *
   * @param computeSlowdown forward/backward and data time over one worker's alone
   * @param optimizerSlowdown the same for the optimizer
   * @param overheadSeconds the step's fixed overhead
   * @param waitFraction time spent waiting for the slowest worker, over the local work
   * @param commFactor measured communication (packing and all-reduce) over what the path's α-β-γ
   *     model says: caches shared with the batch's work and cores shared with other workers make
   *     the same bytes cheaper or dearer to move
   */
  public record Sharing(
      int workers,
      int batch,
      double computeSlowdown,
      double optimizerSlowdown,
      double overheadSeconds,
      double waitFraction,
      double commFactor) {}

  /**
   * A model's costs on this host.
   *
   * @param sharing measured with two workers and with twice as many workers as cores, each at two
   *     batch sizes
   * @param memoryFixedBytes a worker's peak resident memory apart from the batch
   * @param memoryPerSampleBytes resident memory per sample of the per-worker batch
   * @param cores cores of the host the workers share
   */
  public record Calibration(
      String model,
      double parameters,
      Alone alone,
      List<Sharing> sharing,
      double memoryFixedBytes,
      double memoryPerSampleBytes,
      int cores) {

    /** The largest worker count sharing was measured with. */
    public int crowdWorkers() {
      return sharing.stream().mapToInt(Sharing::workers).max().orElse(2);
    }
  }

  /** One step's predicted costs in seconds, and the memory of one worker in bytes. */
  public record Prediction(
      double data,
      double compute,
      double communication,
      double waiting,
      double optimizer,
      double overhead,
      double memoryBytes) {
    public double step() {
      return data + compute + communication + waiting + optimizer + overhead;
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
  public Prediction predict(
      int workers,
      int threads,
      int batchPerWorker,
      String algorithm,
      List<Integer> bucketBytes,
      double extraLatencySeconds,
      double linkBytesPerSecond) {
    Alone a = cal.alone();
    boolean allThreads = threads >= cal.cores();
    int b = batchPerWorker;
    double beyond = (double) workers / cal.crowdWorkers();
    double computeShare =
        workers == 1 ? 1 : Math.max(1, shared(workers, b, Sharing::computeSlowdown, beyond));
    double optimizerShare =
        workers == 1 ? 1 : Math.max(1, shared(workers, b, Sharing::optimizerSlowdown, beyond));
    double perSample = allThreads ? a.computePerSampleAllThreads() : a.computePerSampleOneThread();
    double compute = (a.computeFixedSeconds() + perSample * batchPerWorker) * computeShare;
    double data = a.dataPerSampleSeconds() * batchPerWorker * computeShare;
    double optimizer = a.optimizerSeconds() * optimizerShare;
    double overhead =
        workers == 1
            ? (allThreads ? a.overheadAllThreads() : a.overheadOneThread())
            : shared(workers, b, Sharing::overheadSeconds, beyond);
    // What the host itself costs to move the bytes is scaled by the measured factor; what the
    // emulated network adds (latency, a slower link) is not.
    double bytes = bucketBytes.stream().mapToDouble(Integer::doubleValue).sum();
    double machine = allReduceSeconds(net, algorithm, workers, bucketBytes);
    double emulated =
        allReduceSeconds(
            net.under(extraLatencySeconds, linkBytesPerSecond), algorithm, workers, bucketBytes);
    double factor = workers == 1 ? 1 : shared(workers, b, Sharing::commFactor, beyond);
    double communication =
        factor * (a.packSecondsPerByte() * bytes + machine) + (emulated - machine);
    double local = compute + data + optimizer + overhead;
    double waiting =
        workers == 1
            ? 0
            : local
                * shared(
                    workers,
                    b,
                    Sharing::waitFraction,
                    expectedMax(workers) / expectedMax(cal.crowdWorkers()));
    double memory =
        cal.memoryFixedBytes()
            + cal.memoryPerSampleBytes() * batchPerWorker
            + (workers > 1 ? bytes : 0);
    return new Prediction(data, compute, communication, waiting, optimizer, overhead, memory);
  }

  /** All-reducing the buckets one after the other, each with the algorithm Cohort would pick. */
  public static double allReduceSeconds(
      NetworkModel net, String algorithm, int workers, List<Integer> bucketBytes) {
    if (workers <= 1) {
      return 0;
    }
    AllReduceAlgorithm configured = AllReduceAlgorithm.parse(algorithm);
    double seconds = 0;
    for (int bucket : bucketBytes) {
      AllReduceAlgorithm runs =
          configured.resolve(bucket, workers, CommConfig.DEFAULT_SMALL_MESSAGE_BYTES);
      seconds += net.allReduceSeconds(runs.configName(), workers, bucket);
    }
    return seconds;
  }

  /**
   * A sharing effect for {@code workers} with {@code batch} samples each: measured at 2 and at the
   * crowd, linear in between, the crowd's value times {@code beyond} (at least 1) past it.
   */
  private double shared(int workers, int batch, ToDoubleFunction<Sharing> f, double beyond) {
    int c = cal.crowdWorkers();
    double crowd = atBatch(c, batch, f);
    if (workers >= c) {
      return crowd * Math.max(1, beyond);
    }
    double two = atBatch(2, batch, f);
    return two + (crowd - two) * (workers - 2) / (double) (c - 2);
  }

  /** The effect measured with {@code workers}, interpolated in log(batch) between the batches. */
  private double atBatch(int workers, int batch, ToDoubleFunction<Sharing> f) {
    List<Sharing> points =
        cal.sharing().stream()
            .filter(s -> s.workers() == workers)
            .sorted(Comparator.comparingInt(Sharing::batch))
            .toList();
    if (points.isEmpty()) {
      throw new IllegalStateException("no sharing measured with " + workers + " workers");
    }
    Sharing lo = points.get(0);
    Sharing hi = points.get(points.size() - 1);
    if (batch <= lo.batch() || lo.batch() == hi.batch()) {
      return f.applyAsDouble(lo);
    }
    if (batch >= hi.batch()) {
      return f.applyAsDouble(hi);
    }
    double t = Math.log((double) batch / lo.batch()) / Math.log((double) hi.batch() / lo.batch());
    return f.applyAsDouble(lo) + t * (f.applyAsDouble(hi) - f.applyAsDouble(lo));
  }

  private static double expectedMax(int n) {
    return n < EXPECTED_MAX.length ? EXPECTED_MAX[n] : Math.sqrt(2 * Math.log(n));
  }
}
