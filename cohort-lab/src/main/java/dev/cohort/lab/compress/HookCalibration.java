package dev.cohort.lab.compress;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.cohort.comm.CommConfig;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ProcessGroups;
import dev.cohort.comm.Secrets;
import dev.cohort.comm.Tensor;
import dev.cohort.lab.bench.BenchMath;
import dev.cohort.train.compress.BucketLayout;
import dev.cohort.train.compress.CommHook;
import dev.cohort.train.compress.CompressionSpec;
import dev.cohort.train.ddp.GradientSync;
import dev.cohort.train.model.Models;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * What a compression hook's own work (rounding, factors, selection) costs per step for a model: its
 * buckets as training lays them out, averaged by the hook on a world of one worker, whose
 * collectives cost nothing, so that only the work on the values is timed. The median of 20 steps.
 */
final class HookCalibration {
  private static final int WARMUP = 5;
  private static final int STEPS = 20;

  private HookCalibration() {}

  /** The model's gradient buckets, in the order training reduces them. */
  static List<BucketLayout> layouts(String model, long bucketBytes) {
    try (Model m = Model.newInstance(model);
        NDManager manager = NDManager.newBaseManager()) {
      m.setBlock(Models.byName(model, 10));
      m.getBlock().initialize(manager, DataType.FLOAT32, new Shape(1, 1, 28, 28));
      List<Parameter> params = new ArrayList<>();
      for (Pair<String, Parameter> p : m.getBlock().getParameters()) {
        if (p.getValue().requiresGradient()) {
          params.add(p.getValue());
        }
      }
      return GradientSync.layouts(params, bucketBytes);
    }
  }

  /** Seconds per step of {@code spec}'s own work on buckets laid out as {@code layouts}. */
  static double secondsPerStep(CompressionSpec spec, List<BucketLayout> layouts) {
    if (spec.none()) {
      return 0;
    }
    CompressionSpec now =
        new CompressionSpec(spec.kind(), spec.rank(), spec.fraction(), 0); // no plain steps
    CommConfig cfg = CommConfig.defaults(Secrets.generate());
    try (ProcessGroup one =
        ProcessGroups.init(cfg, new ProcessGroups.Init("127.0.0.1", 0, 0, 1, 0, true))) {
      CommHook hook = CommHook.of(now, one, layouts);
      List<Tensor> buckets = new ArrayList<>();
      Random random = new Random(1);
      for (BucketLayout l : layouts) {
        buckets.add(Tensor.allocate(dev.cohort.comm.DataType.FLOAT32, l.count()));
      }
      List<Double> times = new ArrayList<>();
      for (int step = 0; step < WARMUP + STEPS; step++) {
        for (Tensor t : buckets) {
          FloatBuffer f = t.bytes().order(ByteOrder.nativeOrder()).asFloatBuffer();
          for (int i = 0; i < t.count(); i++) {
            f.put(i, (float) (random.nextGaussian() * 1e-3));
          }
        }
        long t0 = System.nanoTime();
        hook.startStep();
        for (int b = 0; b < buckets.size(); b++) {
          hook.average(buckets.get(b), b);
        }
        if (step >= WARMUP) {
          times.add((System.nanoTime() - t0) / 1e9);
        }
      }
      return BenchMath.median(times);
    }
  }
}
