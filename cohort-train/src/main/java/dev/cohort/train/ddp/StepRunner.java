package dev.cohort.train.ddp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import dev.cohort.comm.GroupStats;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.data.InMemoryDataset;
import dev.cohort.train.data.InputTensors;
import dev.cohort.train.data.TrainingData;
import dev.cohort.train.metrics.StepRecord;
import dev.cohort.train.nn.BatchStatsSync;
import dev.cohort.train.nn.GraphScalars;
import dev.cohort.train.optim.FusedOptimizer;
import dev.cohort.train.optim.GradientClipping;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * One optimizer step on one rank: seed the step's random stream, run the micro-batches forward and
 * backward, average the gradients, update the parameters, and make the buffers identical again.
 */
final class StepRunner implements AutoCloseable {
  private final ProcessGroup pg;
  private final TrainConfig cfg;
  private final Trainer trainer;
  private final TrainingData data;
  private final GradientSync gradients;
  private final Buffers buffers;
  private final BatchStatsSync batchStats;
  private final FusedOptimizer optimizer;
  private final List<ByteBuffer> weights;
  private final InMemoryDataset memory;
  private final InputTensors inputs;
  private final SegmentedBackward segmented;
  private final ShardedUpdate sharded;
  private final ShardedStep zero;
  private final LocalSgd local;
  private final ParameterStore store;

  /** Where the next step starts: the end of the previous one (0: the next call's start). */
  private long clock;

  /** Bytes this rank sent during the steps run so far, and how many steps. */
  private long sentBytes;

  private int stepsRun;

  /** Communication between steps (the stop check), counted in the next step's. */
  private long between;

  StepRunner(ProcessGroup pg, TrainConfig cfg, TrainingData data, StepParts parts) {
    this.pg = pg;
    this.cfg = cfg;
    this.data = data;
    this.trainer = parts.trainer();
    this.gradients = parts.gradients();
    this.buffers = parts.buffers();
    this.batchStats = parts.batchStats();
    this.optimizer = parts.optimizer();
    this.weights = parts.weights();
    this.segmented = parts.segmented();
    this.sharded = parts.sharded();
    this.zero = parts.zero();
    this.local = parts.local();
    // The parameters themselves, not copies: what the trainer's own store hands out on one device.
    this.store = new ParameterStore(trainer.getManager(), false);
    // In-memory data is copied into input tensors that live across steps. On the training thread:
    // a background thread that copies the next batch while a step communicates cost more than the
    // copy (about 0.1 ms) on 2 cores, where waking it takes a core from libtorch or the other rank.
    this.memory = data instanceof InMemoryDataset mem && cfg.accumulation() == 1 ? mem : null;
    this.inputs =
        memory != null ? InputTensors.allocate(trainer.getManager(), memory, cfg.batch()) : null;
  }

  /** Runs step {@code step} (from 0) on this rank's {@code indices}. */
  StepRecord run(int[] indices, int step, int epoch) {
    long t0 = clock != 0 ? clock : System.nanoTime();
    long dataNanos = 0;
    long overlapped = 0; // communication done during a segmented backward
    float loss = 0;
    int micro = cfg.batch();
    // Forward/backward spans the step's autograd scope: seeding its random stream, its manager
    // and grad mode, the passes, and freeing the arrays they made; less the data it loads.
    long f0 = System.nanoTime();
    GroupStats atStart = pg.stats();
    long waitAtStart = atStart.waitNanos();
    long sentAtStart = atStart.bytesSent();
    RandomStreams.enterStep(cfg.seed(), pg.rank(), step);
    try (NDManager m = trainer.getManager().newSubManager();
        GradientCollector grad = trainer.newGradientCollector()) {
      // Gradients of all micro-batches add up in libtorch; one all-reduce follows.
      for (int k = 0; k < cfg.accumulation(); k++) {
        long d0 = System.nanoTime();
        NDList batch;
        if (inputs != null && indices.length == inputs.batch()) {
          inputs.fill(memory, indices);
          batch = inputs.lendTo(m);
        } else {
          batch = data.batch(m, Arrays.copyOfRange(indices, k * micro, (k + 1) * micro));
        }
        dataNanos += System.nanoTime() - d0;
        if (zero != null) {
          // Gradients are reduce-scattered segment by segment inside the passes.
          ShardedStep.Pass p = zero.forwardBackward(m, batch, trainer.getLoss(), step);
          overlapped += p.commNanos();
          loss += p.loss();
          continue; // one micro-batch: accumulation is refused with --zero 2 and 3
        }
        NDList x = new NDList(batch.get(0));
        NDList pred = segmented != null ? segmented.forward(store, x) : trainer.forward(x);
        NDArray l = trainer.getLoss().evaluate(new NDList(batch.get(1)), pred);
        if (segmented != null) {
          // Each segment's gradients are all-reduced while the earlier segments' backward runs.
          overlapped += segmented.backward(l, gradients::reduceSegment);
        } else {
          // The collector only holds grad mode on; the backward runs here, with SyncBatchNorm's
          // cross-rank corrections when the model has any.
          batchStats.backward(
              cfg.accumulation() == 1 ? l : GraphScalars.divide(l, cfg.accumulation()));
        }
        loss += l.getFloat() / cfg.accumulation();
      }
    }
    long computeNanos = System.nanoTime() - f0 - dataNanos - overlapped;
    Update update =
        zero != null
            ? zeroUpdate(step, waitAtStart)
            : sharded != null ? shardedUpdate(step) : allReduceUpdate(step);
    long u1 = System.nanoTime();
    if (local != null) {
      local.afterStep(step); // every H-th step: the parameters and buffers averaged
    } else {
      buffers.sync();
    }
    long end = System.nanoTime();
    clock = end;
    sentBytes += pg.stats().bytesSent() - sentAtStart;
    stepsRun++;
    return new StepRecord(
        step,
        epoch,
        loss,
        indices.length,
        dataNanos,
        computeNanos,
        update.commNanos() + (end - u1) + takeBetween(),
        update.waitNanos(),
        update.optimizerNanos(),
        end - t0);
  }

  /** What an update cost: communication less its stalls, the stalls, the optimizer. */
  private record Update(long commNanos, long waitNanos, long optimizerNanos) {}

  /** ZeRO-1: reduce-scatter, the shard's update, all-gather. */
  private Update shardedUpdate(int step) {
    ShardedUpdate.Timing t = sharded.step(step + 1, learningRate(step), cfg.clipGradNorm());
    return new Update(t.commNanos() - t.waitNanos(), t.waitNanos(), t.optimizerNanos());
  }

  /** ZeRO-2 and 3: the shard's update (the reduce-scatters ran during the backward pass). */
  private Update zeroUpdate(int step, long waitAtStart) {
    ShardedUpdate.Timing t =
        zero.update(step + 1, learningRate(step), cfg.clipGradNorm(), waitAtStart);
    return new Update(t.commNanos() - t.waitNanos(), t.waitNanos(), t.optimizerNanos());
  }

  /**
   * Local SGD: averages the parameters and buffers now unless they are in step (before an
   * evaluation, a checkpoint or the end); a no-op otherwise. Collective.
   */
  void synchronize() {
    if (local != null) {
      local.average();
    }
  }

  /**
   * ZeRO-3: fills the model's parameters with their whole values (for an evaluation, or at the
   * end); a no-op otherwise, or when they are whole already. Collective.
   */
  void wholeParameters() {
    if (zero != null) {
      zero.materialize(trainer.getManager());
    }
  }

  /** ZeRO-3: empties the model's parameters again to train on; a no-op otherwise. */
  void shardParameters() {
    if (zero != null) {
      zero.empty();
    }
  }

  /** The buckets' all-reduce (finished, with segments), clipping, the whole update. */
  private Update allReduceUpdate(int step) {
    GradientSync.Timing comm =
        segmented != null ? gradients.finish() : gradients.averageGradients();
    long o0 = System.nanoTime();
    if (cfg.clipGradNorm() > 0) {
      // Averaged gradients are the same on every rank: each computes the same norm and factor.
      // (Local SGD's are each rank's own: each clips its own.)
      List<ByteBuffer> grads = gradients.gradientViews();
      GradientClipping.scale(
          grads, GradientClipping.factor(GradientClipping.sumOfSquares(grads), cfg.clipGradNorm()));
    }
    optimizer.step(weights, gradients.gradientViews(), step + 1, learningRate(step));
    return new Update(
        comm.totalNanos() - comm.waitNanos(), comm.waitNanos(), System.nanoTime() - o0);
  }

  /** Steps this process ran. */
  long stepsRun() {
    return stepsRun;
  }

  /** The mean bytes this rank sent per step, through the process group (0 before any step). */
  long sentBytesPerStep() {
    return stepsRun == 0 ? 0 : sentBytes / stepsRun;
  }

  /**
   * Counts {@code nanos} of communication done between steps (the loop's stop check) in the next
   * step's communication.
   */
  void communicatedBetween(long nanos) {
    between += nanos;
  }

  private long takeBetween() {
    long b = between;
    between = 0;
    return b;
  }

  /**
   * Starts the next step's clock now: what happened since the last step (an evaluation) belongs to
   * no step.
   */
  void restartClock() {
    clock = 0;
  }

  /**
   * Leaves the last {@code nanos} out of the next step: a pause between steps that is accounted for
   * elsewhere (a checkpoint's snapshot, in the summary's checkpoint cost).
   */
  void skip(long nanos) {
    if (clock != 0) {
      clock += nanos;
    }
  }

  /** The rate for step {@code step} (from 0): linear warm-up to the (scaled) base rate. */
  float learningRate(int step) {
    float lr = cfg.effectiveLearningRate(pg.size());
    return step < cfg.warmupSteps() ? lr * (step + 1) / cfg.warmupSteps() : lr;
  }

  @Override
  public void close() {
    if (inputs != null) {
      inputs.close();
    }
  }
}
