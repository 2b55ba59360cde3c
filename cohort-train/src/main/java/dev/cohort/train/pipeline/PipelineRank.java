package dev.cohort.train.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.loss.Loss;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.train.ddp.RandomStreams;
import dev.cohort.train.memory.WorkerMemory;
import dev.cohort.train.optim.GradientClipping;
import dev.cohort.train.pipeline.schedule.Action;
import dev.cohort.train.pipeline.schedule.Schedule;
import dev.cohort.train.pipeline.schedule.ScheduleSimulator;
import dev.cohort.train.pipeline.schedule.StageLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One rank of a pipeline: its stages' parameters and optimizers, and the runtime that performs its
 * list of a {@link Schedule}'s actions for each global batch.
 *
 * <p>Each micro-batch's loss is divided by the number of micro-batches before its backward, so the
 * gradients that add up over a step are those of the global batch's mean loss, as without a
 * pipeline. Every rank returns that loss (the last stage's rank broadcasts it). A stage's backward
 * runs from its upstream gradient; its input is a leaf whose gradient goes to the previous stage.
 */
public final class PipelineRank {
  /** The engine's random seed is global: ranks on threads of one JVM initialize one at a time. */
  private static final Object INIT = new Object();

  /** The micro-batches of one global batch: inputs for the first stage, targets for the last. */
  public record MicroBatches(List<NDArray> inputs, List<NDArray> targets) {}

  /**
   * What a step did on this rank.
   *
   * @param loss the global batch's mean loss (every pipeline's micro-batches), the same on every
   *     rank
   * @param computeNanos forwards and backwards
   * @param waitNanos waiting in receives (where the pipeline's bubble shows)
   * @param commNanos posting sends, awaiting them, averaging gradients across pipelines and sharing
   *     the loss
   * @param optimizerNanos the optimizer steps
   * @param activationBytes the most bytes of activations this rank held at once (micro-batches in
   *     flight; see {@link PipelineMemory})
   * @param bufferBytes the transfer buffers this rank held to the end of the step
   */
  public record Outcome(
      float loss,
      long computeNanos,
      long waitNanos,
      long commNanos,
      long optimizerNanos,
      long activationBytes,
      long bufferBytes) {}

  /**
   * How a rank trains.
   *
   * @param loss the loss of the last stage's output against the targets
   * @param seed the seed of every block's initialization
   * @param optimizer "sgd" or "adam"
   * @param momentum SGD's momentum (0: none)
   * @param clipGradNorm the largest norm of the whole model's gradient, over every stage (each
   *     step's gradient is scaled down to it when larger); 0 for no clipping
   */
  public record Settings(
      Loss loss, int seed, String optimizer, float momentum, float clipGradNorm) {
    public Settings {
      if (!(clipGradNorm >= 0)) {
        throw new IllegalArgumentException(
            "the gradient norm bound must be >= 0, got " + clipGradNorm);
      }
    }

    /** Without momentum or clipping. */
    public Settings(Loss loss, int seed, String optimizer) {
      this(loss, seed, optimizer, 0, 0);
    }
  }

  private final PipelineGroups groups;
  private final ProcessGroup pg;
  private final ProcessGroup dataParallel;
  private final Schedule schedule;
  private final StagedModel model;
  private final float clipGradNorm;
  private final int seed;
  private final NDManager manager;
  private final int rank;
  private final StageLayout layout;
  private final Map<Integer, StageOptimizer> optimizers = new HashMap<>();
  private final StepActions.Context context;
  private final PipelineChannels channels;
  private final PipelineInference inference;
  private int steps;

  /**
   * Checks the schedule, then initializes this rank's stages in {@code manager}.
   *
   * @throws IllegalArgumentException if the schedule, model and groups do not fit together
   */
  public PipelineRank(
      PipelineGroups groups,
      Schedule schedule,
      StagedModel model,
      Settings settings,
      NDManager manager) {
    this.groups = groups;
    this.pg = groups.pipeline();
    this.dataParallel = groups.dataParallel();
    this.schedule = schedule;
    this.model = model;
    this.clipGradNorm = settings.clipGradNorm();
    this.seed = settings.seed();
    this.manager = manager;
    this.rank = pg.rank();
    this.layout = schedule.layout();
    if (pg.size() != layout.ranks() || model.partition().stages() != layout.stages()) {
      throw new IllegalArgumentException(
          "a schedule for "
              + layout.ranks()
              + " ranks and "
              + layout.stages()
              + " stages cannot run on "
              + pg.size()
              + " ranks with a model cut into "
              + model.partition().stages()
              + " stages");
    }
    ScheduleSimulator.check(schedule);
    this.channels = groups.channels();
    StageTransfers transfers = new StageTransfers(channels, layout, model, schedule.microBatches());
    this.context = new StepActions.Context(rank, layout, model, settings.loss(), transfers);
    this.inference =
        new PipelineInference(groups, layout, model, transfers, settings.loss(), manager);
    synchronized (INIT) {
      for (int s : layout.stagesOf(rank)) {
        model.initialize(manager, s, settings.seed());
      }
    }
    for (int s : layout.stagesOf(rank)) {
      optimizers.put(
          s,
          new StageOptimizer(
              model.parameters(s), settings.optimizer(), settings.momentum(), dataParallel));
    }
  }

  /**
   * Runs one global batch: this rank's actions in order, then the optimizer steps they contain.
   * Collective over the pipeline's ranks.
   *
   * @throws PipelineException naming the rank, stage, micro-batch and action that failed
   */
  public Outcome step(MicroBatches batches, float learningRate) {
    synchronized (INIT) { // dropout's stream, a function of (seed, rank, step): it resumes
      RandomStreams.enterStep(seed, groups.pipelineIndex() * pg.size() + rank, steps);
    }
    steps++;
    long[] nanos = new long[4]; // compute, wait, comm, optimizer
    float[] scale = {Float.NaN}; // the gradients' factor, set at the rank's first optimizer step
    StepActions actions;
    JniUtils.setGradMode(true);
    try (NDManager step = manager.newSubManager()) {
      actions = new StepActions(context, schedule.microBatches(), step, batches);
      for (Action a : schedule.of(rank)) {
        long t0 = System.nanoTime();
        try {
          run(a, actions, scale, learningRate, nanos);
        } catch (RuntimeException e) {
          PipelineException failure = new PipelineException(rank, a, e.getMessage(), e);
          // Sends still reading this step's tensors stop before the step's manager frees them.
          abort(failure.getMessage());
          throw failure;
        }
        nanos[phase(a)] += System.nanoTime() - t0;
      }
      long t0 = System.nanoTime();
      actions.awaitSends();
      nanos[2] += System.nanoTime() - t0;
    } finally {
      JniUtils.setGradMode(false);
    }
    long t0 = System.nanoTime();
    float loss = shareLoss(actions.lossSum() / schedule.microBatches());
    nanos[2] += System.nanoTime() - t0;
    StepMemory memory = actions.memory();
    return new Outcome(
        loss, nanos[0], nanos[1], nanos[2], nanos[3], memory.peakActivations(), memory.buffers());
  }

  /**
   * Fails this rank's groups with {@code why}: its pipeline's peers and its replicas fail now
   * rather than at their timeout.
   */
  void abort(String why) {
    channels.abort(why);
    pg.abort(why);
    dataParallel.abort(why); // the replicas may be averaging with it
    optimizers.values().forEach(StageOptimizer::cancelAverage);
  }

  /** Continues after {@code step} optimizer steps (a resumed run). */
  void resumeAt(long step) {
    steps = Math.toIntExact(step);
  }

  /** What each of this rank's stages saves in a checkpoint. */
  List<StageState> states() {
    List<StageState> out = new ArrayList<>();
    for (int s : layout.stagesOf(rank)) {
      out.add(new StageState(s, model.state(s), optimizers.get(s)));
    }
    return out;
  }

  /**
   * What this rank holds: its stages' parameters, gradients and optimizer state, and the given
   * activation and buffer peaks (from {@link Outcome}s).
   */
  public WorkerMemory memory(long activations, long buffers) {
    long[] sum = new long[3];
    for (StageState s : states()) {
      long[] b = s.bytes();
      for (int i = 0; i < 3; i++) {
        sum[i] += b[i];
      }
    }
    return new WorkerMemory(sum[0], sum[1], sum[2], activations, buffers);
  }

  /** Evaluation and generation with this rank's stages. */
  public PipelineInference inference() {
    return inference;
  }

  /** The last stage's value, on every rank of the pipeline, averaged over the pipelines. */
  private float shareLoss(float lastStageValue) {
    return groups
        .fromRank(layout.rankOf(layout.lastStage()), new float[] {lastStageValue}, ReduceOp.AVG)[0];
  }

  private static int phase(Action a) {
    return switch (a.type()) {
      case FORWARD, BACKWARD -> 0;
      case RECV_ACTIVATION, RECV_GRADIENT -> 1;
      case SEND_ACTIVATION, SEND_GRADIENT -> 2;
      case STEP -> 3;
    };
  }

  /**
   * Before this rank's first optimizer step: finishes averaging its stages' gradients across the
   * pipelines (started at each stage's last backward), then, with clipping, sums the squared norms
   * over the pipeline's ranks. Every rank of the pipeline gets here once its backwards are done,
   * having posted all its sends.
   *
   * @return the factor to scale the gradients by (1 without clipping or within the bound)
   */
  private float prepareUpdates() {
    for (int s : layout.stagesOf(rank)) {
      optimizers.get(s).finishAverage();
    }
    if (clipGradNorm == 0) {
      return 1f;
    }
    double sum = 0;
    for (int s : layout.stagesOf(rank)) {
      sum += optimizers.get(s).sumOfSquares();
    }
    double[] total = {sum};
    pg.allReduce(total, ReduceOp.SUM);
    return GradientClipping.factor(total[0], clipGradNorm);
  }

  private void run(Action a, StepActions actions, float[] scale, float lr, long[] nanos) {
    int s = a.stage();
    int m = a.microBatch();
    switch (a.type()) {
      case FORWARD -> actions.forward(s, m);
      case BACKWARD -> {
        if (actions.backward(s, m)) {
          // The stage's gradients are final: average them while the rest of the pipeline drains.
          long t0 = System.nanoTime();
          optimizers.get(s).startAverage();
          long communication = System.nanoTime() - t0;
          nanos[2] += communication;
          nanos[0] -= communication;
        }
      }
      case SEND_ACTIVATION -> actions.sendActivation(s, m);
      case SEND_GRADIENT -> actions.sendGradient(s, m);
      case RECV_ACTIVATION -> actions.receiveActivation(s, m);
      case RECV_GRADIENT -> actions.receiveGradient(s, m);
      case STEP -> {
        if (Float.isNaN(scale[0])) { // the rank's first step: average, then clip
          long t0 = System.nanoTime();
          scale[0] = prepareUpdates();
          long communication = System.nanoTime() - t0;
          nanos[2] += communication;
          nanos[3] -= communication;
        }
        optimizers.get(s).update(steps, lr, scale[0]);
      }
    }
  }
}
