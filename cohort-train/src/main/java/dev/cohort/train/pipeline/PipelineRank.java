package dev.cohort.train.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import dev.cohort.comm.CommException;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.Work;
import dev.cohort.train.data.TensorViews;
import dev.cohort.train.nn.GraphScalars;
import dev.cohort.train.optim.FusedOptimizer;
import dev.cohort.train.pipeline.schedule.Action;
import dev.cohort.train.pipeline.schedule.Schedule;
import dev.cohort.train.pipeline.schedule.ScheduleSimulator;
import dev.cohort.train.pipeline.schedule.StageLayout;
import java.nio.ByteBuffer;
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
   * How a rank trains.
   *
   * @param loss the loss of the last stage's output against the targets
   * @param seed the seed of every block's initialization
   * @param optimizer "sgd" or "adam"
   */
  public record Settings(Loss loss, int seed, String optimizer) {}

  private final ProcessGroup pg;
  private final ProcessGroup dataParallel;
  private final Schedule schedule;
  private final StagedModel model;
  private final Loss loss;
  private final NDManager manager;
  private final int rank;
  private final StageLayout layout;
  private final Map<Integer, FusedOptimizer> optimizers = new HashMap<>();
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
    this.pg = groups.pipeline();
    this.dataParallel = groups.dataParallel();
    this.schedule = schedule;
    this.model = model;
    this.loss = settings.loss();
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
    synchronized (INIT) {
      for (int s : layout.stagesOf(rank)) {
        model.initialize(manager, s, settings.seed());
      }
    }
    for (int s : layout.stagesOf(rank)) {
      List<Integer> sizes = new ArrayList<>();
      model.parameters(s).forEach(p -> sizes.add(Math.toIntExact(p.getArray().size())));
      optimizers.put(s, new FusedOptimizer(settings.optimizer(), 0, sizes));
    }
  }

  /**
   * Runs one global batch: this rank's actions in order, then the optimizer steps they contain.
   * Collective over the pipeline's ranks.
   *
   * @return the global batch's mean loss (over every pipeline's micro-batches), on every rank
   * @throws PipelineException naming the rank, stage, micro-batch and action that failed
   */
  public float step(MicroBatches batches, float learningRate) {
    steps++;
    int last = layout.lastStage();
    float[] lossSum = {0};
    List<Work> sends = new ArrayList<>();
    JniUtils.setGradMode(true);
    try (NDManager step = manager.newSubManager()) {
      StepState st = new StepState(step, batches);
      for (Action a : schedule.of(rank)) {
        try {
          run(a, st, sends, lossSum, learningRate);
        } catch (CommException | IllegalArgumentException | IllegalStateException e) {
          throw new PipelineException(rank, a, e.getMessage(), e);
        }
      }
      for (Work w : sends) {
        w.await();
      }
    } finally {
      JniUtils.setGradMode(false);
    }
    Tensor mean = Tensor.allocate(dev.cohort.comm.DataType.FLOAT32, 1);
    mean.bytes().putFloat(0, lossSum[0] / schedule.microBatches());
    pg.broadcast(mean, layout.rankOf(last));
    if (dataParallel.size() > 1) {
      dataParallel.allReduce(mean, ReduceOp.AVG);
    }
    return mean.bytes().getFloat(0);
  }

  /** What a step keeps between actions: stage inputs, outputs and received gradients. */
  private record StepState(
      NDManager manager,
      MicroBatches batches,
      Map<Long, NDArray> inputs,
      Map<Long, NDArray> outputs,
      Map<Long, NDArray> gradients) {
    StepState(NDManager manager, MicroBatches batches) {
      this(manager, batches, new HashMap<>(), new HashMap<>(), new HashMap<>());
    }
  }

  private static long key(int stage, int microBatch) {
    return ((long) stage << 32) | microBatch;
  }

  private void run(Action a, StepState st, List<Work> sends, float[] lossSum, float lr) {
    int s = a.stage();
    int m = a.microBatch();
    switch (a.type()) {
      case FORWARD -> forward(s, m, st, lossSum);
      case BACKWARD -> backward(s, m, st);
      case SEND_ACTIVATION -> sends.add(send(st.outputs().get(key(s, m)), s, m, false, a));
      case SEND_GRADIENT -> {
        NDArray g = st.inputs().get(key(s, m)).getGradient();
        g.attach(st.manager());
        sends.add(send(g, s, m, true, a));
      }
      case RECV_ACTIVATION -> {
        NDArray x = receive(st.manager(), model.inputShape(s), s - 1, m, false);
        x.setRequiresGradient(true);
        st.inputs().put(key(s, m), x);
      }
      case RECV_GRADIENT ->
          st.gradients()
              .put(key(s, m), receive(st.manager(), model.outputShape(s), s + 1, m, true));
      case STEP -> optimizerStep(s, lr);
    }
  }

  private void forward(int s, int m, StepState st, float[] lossSum) {
    NDArray in;
    if (s == 0) {
      in = st.batches().inputs().get(m);
    } else if (layout.rankOf(s - 1) == rank) {
      // The previous stage is here: its output, cut from its graph, is this stage's leaf input.
      in = st.outputs().get(key(s - 1, m)).stopGradient();
      in.setRequiresGradient(true);
      st.inputs().put(key(s, m), in);
    } else {
      in = st.inputs().get(key(s, m));
    }
    NDArray out =
        model
            .forward(s, new ParameterStore(st.manager(), false), new NDList(in), true)
            .singletonOrThrow();
    if (s == layout.lastStage()) {
      NDArray l = loss.evaluate(new NDList(st.batches().targets().get(m)), new NDList(out));
      lossSum[0] += l.getFloat();
      out = GraphScalars.divide(l, schedule.microBatches());
    }
    st.outputs().put(key(s, m), out);
  }

  private void backward(int s, int m, StepState st) {
    NDArray from = st.outputs().get(key(s, m));
    NDArray seed;
    if (s == layout.lastStage()) {
      seed = from.onesLike();
    } else if (layout.rankOf(s + 1) == rank) {
      seed = st.inputs().get(key(s + 1, m)).getGradient();
      seed.attach(st.manager());
    } else {
      seed = st.gradients().get(key(s, m));
    }
    JniUtils.backward((PtNDArray) from, (PtNDArray) seed, false, false);
  }

  private Work send(NDArray x, int stage, int m, boolean gradient, Action a) {
    Shape expected = gradient ? model.inputShape(stage) : model.outputShape(stage);
    if (!x.getShape().equals(expected) || x.getDataType() != DataType.FLOAT32) {
      throw new IllegalStateException(
          (gradient ? "the input gradient" : "the activation")
              + " is "
              + x.getDataType()
              + " "
              + x.getShape()
              + " where the next stage expects float32 "
              + expected);
    }
    ByteBuffer view = TensorViews.view(x, a.toString());
    int peer = layout.rankOf(gradient ? stage - 1 : stage + 1);
    return pg.sendAsync(
        Tensor.of(view, dev.cohort.comm.DataType.FLOAT32, Math.toIntExact(x.size())),
        peer,
        tag(stage, m, gradient));
  }

  private NDArray receive(NDManager m, Shape shape, int fromStage, int mb, boolean gradient) {
    NDArray x = m.zeros(shape);
    ByteBuffer view = TensorViews.view(x, "received " + (gradient ? "gradient" : "activation"));
    pg.recv(
        Tensor.of(view, dev.cohort.comm.DataType.FLOAT32, Math.toIntExact(x.size())),
        layout.rankOf(fromStage),
        tag(fromStage, mb, gradient));
    return x;
  }

  /** Unique per sending stage, direction and micro-batch. */
  private int tag(int senderStage, int m, boolean gradient) {
    return (senderStage * 2 + (gradient ? 1 : 0)) * schedule.microBatches() + m;
  }

  private void optimizerStep(int stage, float lr) {
    List<Parameter> params = model.parameters(stage);
    List<ByteBuffer> weights = new ArrayList<>();
    List<ByteBuffer> grads = new ArrayList<>();
    List<NDArray> open = new ArrayList<>();
    try {
      for (Parameter p : params) {
        weights.add(TensorViews.view(p.getArray(), p.getName()));
        NDArray g = p.getArray().getGradient();
        open.add(g);
        grads.add(TensorViews.view(g, "gradient of " + p.getName()));
      }
      if (dataParallel.size() > 1) {
        // The same stage in every pipeline: average its gradients, each parameter in place.
        for (ByteBuffer g : grads) {
          dataParallel.allReduce(
              Tensor.of(g, dev.cohort.comm.DataType.FLOAT32, g.capacity() / Float.BYTES),
              ReduceOp.AVG);
        }
      }
      optimizers.get(stage).step(weights, grads, steps, lr);
      for (ByteBuffer g : grads) {
        ByteBuffer z = g.duplicate().clear();
        while (z.remaining() >= Float.BYTES) {
          z.putFloat(0f);
        }
      }
    } finally {
      open.forEach(NDArray::close);
    }
  }
}
