package dev.cohort.train.ddp;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.loss.Loss;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.data.TrainingData;
import dev.cohort.train.metrics.Breakdown;
import dev.cohort.train.metrics.ConsoleProgress;
import dev.cohort.train.metrics.ListenerThread;
import dev.cohort.train.metrics.MemoryReport;
import dev.cohort.train.metrics.RankSteps;
import dev.cohort.train.metrics.RunListener;
import dev.cohort.train.metrics.RunRecorder;
import dev.cohort.train.metrics.RunSummary;
import dev.cohort.train.nn.SyncBatchNorm;
import dev.cohort.train.optim.FusedOptimizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Trains one DJL model on N worker processes as if it were one model with an N-times larger batch.
 *
 * <p>Every rank builds the same model; rank 0's parameters and buffers are broadcast first. Per
 * step each rank runs forward and backward on its slice of the global batch, gradients are averaged
 * ({@link GradientSync}), the parameters are updated in place ({@link FusedOptimizer}), and buffers
 * such as BatchNorm's running statistics are made identical again ({@link
 * dev.cohort.train.BufferSync}). With {@code TrainConfig#zero} the optimizer's state, the gradients
 * and the parameters are sharded instead ({@link ShardedUpdate}, {@link ShardedStep}). A checksum
 * of the whole state is compared at the end (and every {@code checkEvery} steps), so ranks that
 * drift apart are caught and named. Dropout and any other randomness draw from a per-rank stream
 * seeded from (seed, rank, step) (with ZeRO-3, per segment too), so resumed runs are bitwise equal
 * to uninterrupted ones.
 *
 * <pre>{@code
 * try (ProcessGroup pg = Cohort.init();
 *     DistributedTrainer.Result r = DistributedTrainer.builder(pg)
 *         .config(TrainConfig.builder().epochs(2).build())
 *         .model(() -> myBlock())
 *         .build()
 *         .train(trainSet, testSet)) {
 *   r.model().save(Path.of("model"));
 * }
 * }</pre>
 */
public final class DistributedTrainer {
  /** The run folder's subfolder where rank 0 saves the trained model, in DJL's format. */
  public static final String MODEL_DIR = "model";

  private final ProcessGroup pg;
  private final TrainConfig cfg;
  private final Supplier<Block> block;
  private final Loss loss;
  private final RunListener listener;
  private final BooleanSupplier stopRequested;

  /**
   * What a finished run measured, and the trained model (open: close the result, or the model, when
   * done with it).
   *
   * @param model the trained model, identical on every rank
   * @param data what was trained on
   * @param shiftedAccuracy accuracy on shifted test sets (single-channel image data only; else
   *     empty)
   * @param summary what summary.json holds (on every rank)
   */
  public record Result(
      List<Double> testAccuracy,
      List<Double> trainLoss,
      Breakdown breakdown,
      int steps,
      List<Integer> bucketBytes,
      TrainedModel model,
      Checkpoints.Stats checkpoints,
      int stoppedAtStep,
      Map<String, Double> shiftedAccuracy,
      List<Double> epochSeconds,
      double trainAccuracy,
      String data,
      RunSummary summary)
      implements AutoCloseable {

    /** The test accuracy after the last epoch (NaN if none was measured). */
    public double finalTestAccuracy() {
      return testAccuracy.isEmpty() ? Double.NaN : testAccuracy.get(testAccuracy.size() - 1);
    }

    Result finish(Checkpoints.Stats stats, RunSummary runSummary) {
      return new Result(
          testAccuracy,
          trainLoss,
          breakdown,
          steps,
          bucketBytes,
          model,
          stats,
          stoppedAtStep,
          shiftedAccuracy,
          epochSeconds,
          trainAccuracy,
          data,
          runSummary);
    }

    /** Closes the model. */
    @Override
    public void close() {
      model.close();
    }
  }

  private DistributedTrainer(Builder b) {
    this.pg = b.pg;
    this.cfg = b.cfg;
    this.block = b.block;
    this.loss = b.loss;
    this.listener = b.listener;
    this.stopRequested = b.stopRequested;
  }

  /** A trainer on the ranks of {@code pg}. */
  public static Builder builder(ProcessGroup pg) {
    return new Builder(pg);
  }

  /** Trains on DJL data sets (labels are class indices). Collective. */
  public Result train(RandomAccessDataset trainSet, RandomAccessDataset testSet) {
    return train(TrainingData.of(trainSet), TrainingData.of(testSet));
  }

  /**
   * Runs the whole training. Collective: every rank calls it with the same configuration and data.
   */
  public Result train(TrainingData trainSet, TrainingData testSet) {
    TrainingData train = cfg.trainLimit() > 0 ? trainSet.head(cfg.trainLimit()) : trainSet;
    TrainingData test = cfg.testLimit() > 0 ? testSet.head(cfg.testLimit()) : testSet;
    // Same seed everywhere: initialization then matches even before the broadcast makes it exact.
    Engine.getInstance().setRandomSeed(cfg.seed());
    Model model = Model.newInstance(cfg.model());
    try {
      Block b = Objects.requireNonNull(block.get(), "the model supplier returned null");
      SegmentedBackward.check(b, cfg.backwardSegments());
      model.setBlock(cfg.syncBatchNorm() ? SyncBatchNorm.convert(b) : b);
      return trainModel(model, train, test);
    } catch (RuntimeException | Error e) {
      model.close();
      throw e;
    }
  }

  private Result trainModel(Model model, TrainingData train, TrainingData test) {
    long t0 = System.nanoTime();
    RunRecorder recorder =
        pg.rank() == 0 && cfg.runDir() != null ? new RunRecorder(cfg.runDir()) : null;
    RankSteps rankSteps = RankSteps.of(cfg.runDir(), pg, PeakMemory::residentNow);
    try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(loss))) {
      long[] sample = train.sampleShape();
      long[] dims = new long[sample.length + 1];
      dims[0] = 1;
      System.arraycopy(sample, 0, dims, 1, sample.length);
      trainer.initialize(new Shape(dims));
      ModelState state = ModelState.of(model.getBlock());
      DataParallelMemory.refusal(
              cfg,
              state.parameterElements(),
              pg.size(),
              cfg.memoryBudget() > 0
                  ? ShardedStep.largestSegment(cfg, model.getBlock(), state.trainable())
                  : -1)
          .ifPresent(
              why -> {
                throw new IllegalArgumentException(why); // every rank alike, before anything
              });
      StateSync.broadcastFromRank0(pg, state);
      StepParts parts = StepParts.of(pg, cfg, trainer, model.getBlock(), state);
      if (pg.size() == 1 && (cfg.localSgd() > 0 || !cfg.compression().none())) {
        System.err.println(
            "warning: one worker has no one to average with: --local-sgd and --compress change"
                + " nothing");
      }
      if (cfg.zero() > 0 && pg.rank() == 0) {
        System.out.println(DataParallelMemory.zeroLine(cfg, state, parts));
      }
      try (StepRunner steps = new StepRunner(pg, cfg, train, parts);
          ListenerThread events = new ListenerThread(listeners(recorder, rankSteps));
          Checkpoints checkpoints =
              new Checkpoints(
                  pg,
                  cfg,
                  state,
                  parts.optimizerState(System.err),
                  checkpointMeta(state, train),
                  System.err)) {
        TrainingLoop loop =
            new TrainingLoop(pg, cfg, trainer, state, steps, checkpoints, events, stopRequested);
        Result r = loop.run(train, test, parts.bucketBytes(), new TrainedModel(model, state));
        events.flush(); // metrics.csv and history.json complete before the summary
        checkpoints.close();
        double seconds = (System.nanoTime() - t0) / 1e9;
        Result done = r.finish(checkpoints.stats(), null);
        MemoryReport memory = DataParallelMemory.gather(pg, cfg, state, parts);
        if (pg.rank() == 0) {
          System.out.print(memory.table());
          if (cfg.runDir() != null) {
            try {
              memory.write(cfg.runDir().resolve(MemoryReport.FILE));
            } catch (java.io.IOException e) {
              // The other ranks are on their way to the next collective: warn, do not fail alone.
              System.err.println(
                  "warning: cannot write "
                      + cfg.runDir().resolve(MemoryReport.FILE)
                      + ": "
                      + e.getMessage());
            }
          }
        }
        // The memory report gathered every worker's peak resident memory already.
        List<Long> peaks =
            memory.workers().stream().map(MemoryReport.Worker::peakRssBytes).toList();
        RunSummary summary =
            RunSummaries.of(cfg, pg.size(), done, seconds, peaks)
                .withTraffic(
                    RunSummaries.traffic(
                        cfg,
                        pg.size(),
                        parts,
                        state.parameterElements(),
                        steps.sentBytesPerStep(),
                        steps.stepsRun()));
        if (recorder != null) {
          done.model().save(cfg.runDir().resolve(MODEL_DIR));
          summary = recorder.writeSummary(summary); // the whole run's, resumes included
        }
        return done.finish(checkpoints.stats(), summary);
      }
    } finally {
      try {
        if (recorder != null) {
          recorder.close();
        }
      } finally {
        if (rankSteps != null) {
          rankSteps.close();
        }
      }
    }
  }

  private Map<String, Object> checkpointMeta(ModelState state, TrainingData train) {
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("model", cfg.model());
    meta.put("parameter_count", state.parameterElements());
    meta.put("tensors", state.size());
    meta.put("optimizer", cfg.optimizer());
    meta.put("seed", cfg.seed());
    meta.put("random_streams", RandomStreams.SCHEME);
    meta.put("data_fingerprint", train.fingerprint());
    return meta;
  }

  /**
   * The caller's listener, rank 0's progress bar if the configuration asks for one, rank 0's run
   * folder records and every rank's steps file.
   */
  private RunListener listeners(RunRecorder recorder, RankSteps rankSteps) {
    List<RunListener> all = new ArrayList<>();
    if (pg.rank() == 0 && cfg.progress()) {
      all.add(new ConsoleProgress(System.out, System.console() != null));
    }
    if (recorder != null) {
      all.add(recorder);
    }
    if (rankSteps != null) {
      all.add(rankSteps);
    }
    all.add(listener);
    return RunListener.all(all);
  }

  /** Configures a {@link DistributedTrainer}. */
  public static final class Builder {
    private final ProcessGroup pg;
    private TrainConfig cfg = TrainConfig.defaults();
    private Supplier<Block> block;
    private Loss loss = Loss.softmaxCrossEntropyLoss();
    private RunListener listener = RunListener.NONE;
    private BooleanSupplier stopRequested = () -> false;

    private Builder(ProcessGroup pg) {
      this.pg = Objects.requireNonNull(pg, "process group");
    }

    /** The run's configuration; default {@link TrainConfig#defaults()}. */
    public Builder config(TrainConfig cfg) {
      this.cfg = Objects.requireNonNull(cfg, "config");
      return this;
    }

    /** Makes the model's uninitialized block; called once per training. Required. */
    public Builder model(Supplier<Block> block) {
      this.block = Objects.requireNonNull(block, "model");
      return this;
    }

    /** The loss; default softmax cross-entropy over class-index labels. */
    public Builder loss(Loss loss) {
      this.loss = Objects.requireNonNull(loss, "loss");
      return this;
    }

    /**
     * Told about every step and epoch (metrics files, heartbeats); default none. Steps and epochs
     * are told from a thread of their own, in order, within about 50 ms (see {@link
     * ListenerThread}), and always before the checkpoint that holds them is written; {@code
     * onStart} on the training thread.
     */
    public Builder listener(RunListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Polled by every rank; once any rank sees it, all stop after the same step (with a final
     * checkpoint when checkpointing is on). Default: never.
     */
    public Builder stopWhen(BooleanSupplier stopRequested) {
      this.stopRequested = Objects.requireNonNull(stopRequested, "stopWhen");
      return this;
    }

    /**
     * @throws IllegalStateException if no model was given
     */
    public DistributedTrainer build() {
      if (block == null) {
        throw new IllegalStateException(
            "DistributedTrainer needs a model: call model(() -> block)");
      }
      return new DistributedTrainer(this);
    }
  }
}
