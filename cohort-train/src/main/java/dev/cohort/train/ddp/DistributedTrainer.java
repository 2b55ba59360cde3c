package dev.cohort.train.ddp;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import dev.cohort.checkpoint.TrainingState;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.data.BatchPrefetcher;
import dev.cohort.train.data.Batches;
import dev.cohort.train.data.DistributedSampler;
import dev.cohort.train.data.InMemoryDataset;
import dev.cohort.train.data.Shifts;
import dev.cohort.train.metrics.Breakdown;
import dev.cohort.train.metrics.RunListener;
import dev.cohort.train.metrics.StepRecord;
import dev.cohort.train.optim.FusedOptimizer;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Trains one DJL model on N worker processes as if it were one model with an N-times larger batch.
 *
 * <p>Per step, on every rank: build the local slice of the global batch; forward and backward
 * (accumulating gradients over the micro-batches); average gradients over ranks ({@link
 * GradientSync}); update the parameters in place ({@link FusedOptimizer}). Rank 0's initial
 * parameters are broadcast first, and parameter checksums are compared at the end (and every {@code
 * checkEvery} steps), so ranks that drift apart are caught and named instead of silently training
 * different models.
 */
public final class DistributedTrainer {
  private final ProcessGroup pg;
  private final TrainConfig cfg;
  private final Supplier<Block> block;
  private final RunListener listener;
  private final BooleanSupplier stopRequested;

  /** Workers agree on a stop every this many steps: one tiny all-reduce, amortized. */
  static final int STOP_CHECK_EVERY = 5;

  private BatchPrefetcher prefetcher;
  private final Map<String, Double> shifted = new LinkedHashMap<>();
  private int stoppedAt;
  private List<ByteBuffer> weights;
  private FusedOptimizer optimizer;

  /** What a finished run measured. */
  public record Result(
      List<Double> testAccuracy,
      List<Double> trainLoss,
      Breakdown breakdown,
      int steps,
      List<Integer> bucketBytes,
      float[] parameters,
      Checkpoints.Stats checkpoints,
      int stoppedAtStep,
      Map<String, Double> shiftedAccuracy,
      List<Double> epochSeconds,
      double trainAccuracy) {

    Result withCheckpoints(Checkpoints.Stats stats) {
      return new Result(
          testAccuracy,
          trainLoss,
          breakdown,
          steps,
          bucketBytes,
          parameters,
          stats,
          stoppedAtStep,
          shiftedAccuracy,
          epochSeconds,
          trainAccuracy);
    }
  }

  /** True on every rank if any rank has been asked to stop. Collective. */
  private boolean stopAgreed() {
    int[] flag = {stopRequested.getAsBoolean() ? 1 : 0};
    pg.allReduce(flag, ReduceOp.MAX);
    return flag[0] > 0;
  }

  /**
   * @param block makes the model's (uninitialized) block; called once
   * @param listener told about every step and epoch (progress bar, metrics files)
   */
  public DistributedTrainer(
      ProcessGroup pg, TrainConfig cfg, Supplier<Block> block, RunListener listener) {
    this(pg, cfg, block, listener, () -> false);
  }

  /**
   * @param stopRequested polled by every rank; once any rank sees it, all stop after the same step
   *     (with a final checkpoint when checkpointing is on)
   */
  public DistributedTrainer(
      ProcessGroup pg,
      TrainConfig cfg,
      Supplier<Block> block,
      RunListener listener,
      BooleanSupplier stopRequested) {
    this.pg = pg;
    this.cfg = cfg;
    this.block = block;
    this.listener = listener;
    this.stopRequested = stopRequested;
  }

  /** Runs the whole training. Collective: every rank calls it with the same configuration. */
  public Result train(InMemoryDataset trainSet, InMemoryDataset testSet) {
    // Same seed everywhere: initialization then matches even before the broadcast makes it exact.
    Engine.getInstance().setRandomSeed(cfg.seed());
    try (Model model = Model.newInstance("cohort-" + cfg.model())) {
      model.setBlock(block.get());
      try (Trainer trainer = model.newTrainer(trainingConfig())) {
        int[] fs = trainSet.featureShape();
        long[] dims = new long[fs.length + 1];
        dims[0] = 1;
        for (int i = 0; i < fs.length; i++) {
          dims[i + 1] = fs[i];
        }
        trainer.initialize(new Shape(dims));
        List<Parameter> params = new ArrayList<>();
        for (Parameter p : model.getBlock().getParameters().values()) {
          if (p.requiresGradient()) {
            params.add(p);
          }
        }
        ParameterSync.broadcastFromRank0(pg, params);
        GradientSync sync = new GradientSync(pg, params, cfg.bucketBytes(), cfg.overlap());
        weights = params.stream().map(ParameterViews::value).toList();
        optimizer =
            new FusedOptimizer(
                cfg.optimizer(),
                cfg.momentum(),
                params.stream().map(p -> (int) ParameterViews.elements(p)).toList());
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("model", cfg.model());
        meta.put("parameter_count", params.stream().mapToLong(ParameterViews::elements).sum());
        meta.put("optimizer", cfg.optimizer());
        meta.put("seed", cfg.seed());
        meta.put("data_fingerprint", trainSet.fingerprint());
        try (Checkpoints checkpoints =
            new Checkpoints(
                pg, cfg.checkpointing(), cfg.runDir(), weights, optimizer, meta, System.err)) {
          TrainingState from =
              cfg.checkpointing().resumeFrom() == null ? null : checkpoints.resume();
          Result r = loop(trainer, params, sync, trainSet, testSet, checkpoints, from);
          checkpoints.close();
          return r.withCheckpoints(checkpoints.stats());
        }
      }
    }
  }

  private Result loop(
      Trainer trainer,
      List<Parameter> params,
      GradientSync sync,
      InMemoryDataset trainSet,
      InMemoryDataset testSet,
      Checkpoints checkpoints,
      TrainingState from) {
    int globalBatch = cfg.batch() * pg.size() * cfg.accumulation();
    DistributedSampler sampler =
        new DistributedSampler(
            trainSet.size(), globalBatch, pg.rank(), pg.size(), cfg.seed(), cfg.remainder(), true);
    Breakdown breakdown = new Breakdown();
    List<Double> accuracy = new ArrayList<>();
    List<Double> losses = new ArrayList<>();
    List<Double> epochSeconds = new ArrayList<>();
    int steps = from == null ? 0 : (int) from.step();
    int perEpoch = sampler.batchesPerEpoch();
    listener.onStart(cfg, pg.size(), perEpoch, sync.bucketBytes());
    prefetcher = new BatchPrefetcher(trainSet);
    for (int epoch = from == null ? 0 : from.epoch(); epoch < cfg.epochs(); epoch++) {
      int[] order = sampler.order(epoch);
      double[] lossSum = {0, 0};
      int first = from != null && epoch == from.epoch() ? from.batch() : 0;
      for (int b = first; b < perEpoch && (cfg.maxSteps() == 0 || steps < cfg.maxSteps()); b++) {
        int[] next = b + 1 < perEpoch ? sampler.localIndices(order, b + 1) : null;
        StepRecord r =
            step(trainer, sync, trainSet, sampler.localIndices(order, b), next, steps, epoch);
        steps++;
        lossSum[0] += r.loss();
        lossSum[1]++;
        breakdown.add(r);
        listener.onStep(r, b + 1, perEpoch);
        if (cfg.checkEvery() > 0 && steps % cfg.checkEvery() == 0) {
          ParameterSync.verifyIdentical(pg, params, "after step " + steps);
        }
        boolean lastOfEpoch = b + 1 == perEpoch;
        boolean stop = steps % STOP_CHECK_EVERY == 0 && stopAgreed();
        if (checkpoints.due(steps) || (stop && checkpoints.enabled())) {
          checkpoints.save(steps, lastOfEpoch ? epoch + 1 : epoch, lastOfEpoch ? 0 : b + 1);
        }
        if (stop) {
          stoppedAt = steps;
          break;
        }
      }
      pg.allReduce(lossSum, ReduceOp.SUM);
      losses.add(lossSum[0] / Math.max(1, lossSum[1]));
      accuracy.add(Evaluation.accuracy(trainer, pg, testSet));
      epochSeconds.add(breakdown.seconds());
      listener.onEpoch(epoch, losses.get(losses.size() - 1), accuracy.get(accuracy.size() - 1));
      if (stoppedAt > 0 || (cfg.maxSteps() > 0 && steps >= cfg.maxSteps())) {
        break;
      }
    }
    prefetcher.close();
    ParameterSync.verifyIdentical(pg, params, "at the end of training");
    // Generalization beyond the test distribution: the same test set, shifted.
    for (Shifts.Kind kind : Shifts.Kind.values()) {
      shifted.put(
          kind.name().toLowerCase(Locale.ROOT),
          Evaluation.accuracy(trainer, pg, Shifts.apply(testSet, kind, cfg.seed())));
    }
    // The train-test gap: accuracy on (up to) as many training samples as the test set has.
    double trainAccuracy =
        Evaluation.accuracy(trainer, pg, trainSet.head(Math.max(testSet.size(), 1000)));
    return new Result(
        accuracy,
        losses,
        breakdown,
        steps,
        sync.bucketBytes(),
        snapshot(params),
        null,
        stoppedAt,
        Map.copyOf(shifted),
        epochSeconds,
        trainAccuracy);
  }

  /** All parameters, concatenated in model order. */
  private static float[] snapshot(List<Parameter> params) {
    long total = 0;
    for (Parameter p : params) {
      total += ParameterViews.elements(p);
    }
    float[] out = new float[(int) total];
    int at = 0;
    for (Parameter p : params) {
      FloatBuffer f = ParameterViews.value(p).asFloatBuffer();
      int n = f.remaining();
      f.get(out, at, n);
      at += n;
    }
    return out;
  }

  /** One optimizer step: micro-batches, gradient averaging, update; returns where time went. */
  private StepRecord step(
      Trainer trainer,
      GradientSync sync,
      InMemoryDataset data,
      int[] indices,
      int[] nextIndices,
      int step,
      int epoch) {
    long t0 = System.nanoTime();
    long dataNanos = 0;
    long computeNanos = 0;
    float loss = 0;
    int micro = cfg.batch();
    try (NDManager m = trainer.getManager().newSubManager();
        GradientCollector gc = trainer.newGradientCollector()) {
      // One collector for all micro-batches: their gradients add up, and one all-reduce follows.
      for (int k = 0; k < cfg.accumulation(); k++) {
        long d0 = System.nanoTime();
        NDList batch =
            cfg.accumulation() == 1
                ? Batches.toNd(m, data, prefetcher.take(indices))
                : Batches.build(m, data, Arrays.copyOfRange(indices, k * micro, (k + 1) * micro));
        long c0 = System.nanoTime();
        dataNanos += c0 - d0;
        NDList pred = trainer.forward(new NDList(batch.get(0)));
        NDArray l = trainer.getLoss().evaluate(new NDList(batch.get(1)), pred);
        gc.backward(cfg.accumulation() == 1 ? l : l.div(cfg.accumulation()));
        loss += l.getFloat() / cfg.accumulation();
        computeNanos += System.nanoTime() - c0;
      }
    }
    if (nextIndices != null && cfg.accumulation() == 1) {
      prefetcher.prefetch(nextIndices); // gathered while this step communicates
    }
    GradientSync.Timing comm = sync.averageGradients();
    long o0 = System.nanoTime();
    optimizer.step(weights, sync.gradientViews(), step + 1, learningRate(step));
    long end = System.nanoTime();
    return new StepRecord(
        step,
        epoch,
        loss,
        indices.length,
        dataNanos,
        computeNanos,
        comm.totalNanos() - comm.waitNanos(),
        comm.waitNanos(),
        end - o0,
        end - t0);
  }

  /** The rate for step {@code step} (from 0): linear warm-up to the (scaled) base rate. */
  float learningRate(int step) {
    float lr = cfg.effectiveLearningRate(pg.size());
    return step < cfg.warmupSteps() ? lr * (step + 1) / cfg.warmupSteps() : lr;
  }

  /**
   * DJL's trainer runs forward and backward only: updates are the {@link FusedOptimizer}'s, so the
   * optimizer configured here is never stepped.
   */
  private static DefaultTrainingConfig trainingConfig() {
    return new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss());
  }
}
