package dev.cohort.lab.compress;

import dev.cohort.lab.model.NetworkModel;
import dev.cohort.lab.model.SyncStepModel;
import dev.cohort.lab.model.SyncStepModel.Collective;
import dev.cohort.lab.model.SyncStepModel.Kind;
import dev.cohort.lab.model.TensorStepModel;
import dev.cohort.lab.net.NetworkCondition;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.compress.BucketLayout;
import dev.cohort.train.compress.CompressedAllReduce;
import dev.cohort.train.compress.PowerSgd;
import dev.cohort.train.compress.TopK;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The step-time model ({@link SyncStepModel}) for each case of {@code cohort bench compress}: what
 * its synchronization sends, bucket by bucket, and its hook's own work, calibrated on one worker.
 * The local work comes from the measured float32 run of the same workers (flat, for the hosts).
 */
final class SyncPredictions {
  private final int workers;
  private final List<BucketLayout> layouts;
  private final Map<CompressBench.Case, Double> hookSeconds;
  private final SyncStepModel alone; // each worker its own host
  private final SyncStepModel hosts; // two hosts of `workers` each

  private SyncPredictions(
      int workers,
      List<BucketLayout> layouts,
      Map<CompressBench.Case, Double> hookSeconds,
      NetworkModel link) {
    this.workers = workers;
    this.layouts = layouts;
    this.hookSeconds = hookSeconds;
    this.alone = new SyncStepModel(workers, 1, link, TensorStepModel.SHARED_MEMORY);
    this.hosts = new SyncStepModel(2, workers, link, TensorStepModel.SHARED_MEMORY);
  }

  /**
   * Lays out the model's buckets and times each case's hook on one worker.
   *
   * @param path the path between workers as measured without the emulated latency and rate
   */
  static SyncPredictions calibrate(
      CompressBench.Options opt,
      NetworkCondition net,
      NetworkModel path,
      List<CompressBench.Case> cases) {
    long bucketBytes = TrainConfig.builder().model(opt.model()).build().bucketBytes();
    List<BucketLayout> layouts = HookCalibration.layouts(opt.model(), bucketBytes);
    Map<CompressBench.Case, Double> hooks = new LinkedHashMap<>();
    for (CompressBench.Case k : cases) {
      hooks.put(k, HookCalibration.secondsPerStep(k.compression(), layouts));
    }
    NetworkModel link =
        path.under(
            net.latencyMs() / 1e3,
            net.rateMbit() > 0 ? net.bytesPerSecond() : Double.POSITIVE_INFINITY);
    return new SyncPredictions(opt.workers(), layouts, hooks, link);
  }

  /** The hook's own work per step, seconds. */
  double hookSeconds(CompressBench.Case k) {
    return hookSeconds.getOrDefault(k, 0.0);
  }

  /** Predicted ms per step of {@code k}, given the local work of its float32 baseline (ms). */
  double stepMillis(CompressBench.Case k, double localMillis) {
    SyncStepModel model = k.hosts() ? hosts : alone;
    return 1e3
        * model.stepSeconds(
            localMillis / 1e3, hookSeconds(k), collectives(k), k.localSgd() > 0 ? k.localSgd() : 1);
  }

  /** What one synchronization of {@code k} runs, bucket by bucket. */
  List<Collective> collectives(CompressBench.Case k) {
    int n = k.hosts() ? 2 * workers : workers;
    List<Collective> out = new ArrayList<>();
    // Local SGD averages the parameters, then the momenta, through the buckets.
    for (int pass = 0; pass < (k.localSgd() > 0 ? 2 : 1); pass++) {
      for (BucketLayout b : layouts) {
        out.addAll(bucket(k, b, n));
      }
    }
    return out;
  }

  private static List<Collective> bucket(CompressBench.Case k, BucketLayout b, int n) {
    double bytes = 4.0 * b.count();
    return switch (k.compression().kind()) {
      case NONE ->
          List.of(
              new Collective(
                  k.hierarchical() ? Kind.HIERARCHICAL_ALL_REDUCE : Kind.ALL_REDUCE, bytes));
      case FP16, BF16 -> {
        double wire = 4.0 * n * CompressedAllReduce.chunkWords(b.count(), n);
        yield List.of(new Collective(Kind.ALL_TO_ALL, wire), new Collective(Kind.ALL_GATHER, wire));
      }
      case POWERSGD -> {
        long[] pq = PowerSgd.factorFloats(b, k.compression().rank());
        List<Collective> c = new ArrayList<>();
        c.add(new Collective(Kind.ALL_REDUCE, 4.0 * pq[0]));
        if (pq[1] > 0) {
          c.add(new Collective(Kind.ALL_REDUCE, 4.0 * pq[1]));
        }
        yield c;
      }
      case TOPK ->
          List.of(
              new Collective(
                  Kind.ALL_GATHER, 8.0 * n * TopK.values(b.count(), k.compression().fraction())));
    };
  }
}
