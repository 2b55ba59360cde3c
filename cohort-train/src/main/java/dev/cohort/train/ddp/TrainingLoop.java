package dev.cohort.train.ddp;

import ai.djl.training.Trainer;
import dev.cohort.checkpoint.TrainingState;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.train.GracefulStop;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.data.DistributedSampler;
import dev.cohort.train.data.InMemoryDataset;
import dev.cohort.train.data.Shifts;
import dev.cohort.train.data.TrainingData;
import dev.cohort.train.metrics.Breakdown;
import dev.cohort.train.metrics.ListenerThread;
import dev.cohort.train.metrics.RunListener;
import dev.cohort.train.metrics.StepRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Epochs of steps: the data order, periodic checks and checkpoints, agreeing on a stop, and the
 * evaluations at the end of each epoch and of the run.
 */
final class TrainingLoop {
  /** Workers agree on a stop every this many steps: one tiny all-reduce, amortized. */
  static final int STOP_CHECK_EVERY = 5;

  private final ProcessGroup pg;
  private final TrainConfig cfg;
  private final Trainer trainer;
  private final ModelState state;
  private final StepRunner steps;
  private final Checkpoints checkpoints;
  private final ListenerThread listener;
  private final BooleanSupplier stopRequested;

  TrainingLoop(
      ProcessGroup pg,
      TrainConfig cfg,
      Trainer trainer,
      ModelState state,
      StepRunner steps,
      Checkpoints checkpoints,
      ListenerThread listener,
      BooleanSupplier stopRequested) {
    this.pg = pg;
    this.cfg = cfg;
    this.trainer = trainer;
    this.state = state;
    this.steps = steps;
    this.checkpoints = checkpoints;
    this.listener = listener;
    this.stopRequested = stopRequested;
  }

  /** Trains to the end (or an agreed stop) and evaluates. Collective. */
  DistributedTrainer.Result run(
      TrainingData train, TrainingData test, List<Integer> bucketBytes, TrainedModel model) {
    TrainingState from = checkpoints.resumeIfAsked();
    int globalBatch = cfg.batch() * pg.size() * cfg.accumulation();
    DistributedSampler sampler =
        new DistributedSampler(
            train.size(), globalBatch, pg.rank(), pg.size(), cfg.seed(), cfg.remainder(), true);
    Breakdown breakdown = new Breakdown();
    List<Double> accuracy = new ArrayList<>();
    List<Double> losses = new ArrayList<>();
    List<Double> epochSeconds = new ArrayList<>();
    int step = from == null ? 0 : (int) from.step();
    int stoppedAt = 0;
    int perEpoch = sampler.batchesPerEpoch();
    listener.onStart(
        new RunListener.Start(cfg, pg.size(), perEpoch, bucketBytes, train.description(), step));
    for (int epoch = from == null ? 0 : from.epoch(); epoch < cfg.epochs(); epoch++) {
      int[] order = sampler.order(epoch);
      double[] lossSum = {0, 0};
      int first = from != null && epoch == from.epoch() ? from.batch() : 0;
      steps.restartClock(); // an evaluation may have run since the last step
      for (int b = first; b < perEpoch && (cfg.maxSteps() == 0 || step < cfg.maxSteps()); b++) {
        StepRecord r = steps.run(sampler.localIndices(order, b), step, epoch);
        step++;
        lossSum[0] += r.loss();
        lossSum[1]++;
        breakdown.add(r);
        listener.onStep(r, b + 1, perEpoch);
        if (cfg.checkEvery() > 0 && step % cfg.checkEvery() == 0) {
          StateSync.verifyIdentical(pg, state, "after step " + step);
        }
        boolean lastOfEpoch = b + 1 == perEpoch;
        boolean stop = false;
        if (step % STOP_CHECK_EVERY == 0) {
          long s0 = System.nanoTime();
          stop = GracefulStop.agreed(pg, stopRequested);
          steps.communicatedBetween(System.nanoTime() - s0);
        }
        if (checkpoints.due(step) || (stop && checkpoints.enabled())) {
          long c0 = System.nanoTime();
          // metrics.csv must hold every step the checkpoint holds: a run restarted from it
          // appends from its step, so steps still queued for the listener would be lost.
          listener.flush();
          steps.synchronize(); // local SGD: one set of parameters to save
          checkpoints.save(step, lastOfEpoch ? epoch + 1 : epoch, lastOfEpoch ? 0 : b + 1);
          steps.skip(System.nanoTime() - c0); // its cost is the summary's checkpoints entry
        }
        if (stop) {
          stoppedAt = step;
          break;
        }
      }
      pg.allReduce(lossSum, ReduceOp.SUM);
      losses.add(lossSum[0] / Math.max(1, lossSum[1]));
      steps.synchronize(); // local SGD evaluates the averaged model
      steps.wholeParameters(); // ZeRO-3 evaluates the model gathered whole
      accuracy.add(Evaluation.accuracy(trainer, pg, test));
      epochSeconds.add(breakdown.seconds());
      listener.onEpoch(epoch, losses.get(losses.size() - 1), accuracy.get(accuracy.size() - 1));
      if (stoppedAt > 0 || (cfg.maxSteps() > 0 && step >= cfg.maxSteps())) {
        break;
      }
      if (epoch + 1 < cfg.epochs()) {
        steps.shardParameters();
      }
    }
    steps.synchronize();
    steps.wholeParameters(); // the trained model, whole on every rank
    StateSync.verifyIdentical(pg, state, "at the end of training");
    // The train-test gap: accuracy on (up to) as many training samples as the test set has.
    double trainAccuracy =
        Evaluation.accuracy(trainer, pg, train.head(Math.max(test.size(), 1000)));
    return new DistributedTrainer.Result(
        accuracy,
        losses,
        breakdown,
        step,
        bucketBytes,
        model,
        null,
        stoppedAt,
        shiftedAccuracy(test),
        epochSeconds,
        trainAccuracy,
        train.description(),
        null);
  }

  /** Generalization beyond the test distribution: the same images, shifted. */
  private Map<String, Double> shiftedAccuracy(TrainingData test) {
    Map<String, Double> shifted = new LinkedHashMap<>();
    if (test instanceof InMemoryDataset images && Shifts.applicable(images)) {
      for (Shifts.Kind kind : Shifts.Kind.values()) {
        shifted.put(
            kind.name().toLowerCase(Locale.ROOT),
            Evaluation.accuracy(trainer, pg, Shifts.apply(images, kind, cfg.seed())));
      }
    }
    return Map.copyOf(shifted);
  }
}
