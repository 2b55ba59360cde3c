package dev.cohort.train.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import dev.cohort.comm.Work;
import dev.cohort.train.nn.GraphScalars;
import dev.cohort.train.pipeline.schedule.StageLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One rank's compute and transfer actions for one step, and what the step keeps between them: stage
 * inputs and outputs, received gradients, each forward's scope until its backward, the sends in
 * flight, the loss so far and the memory held ({@link StepMemory}).
 *
 * <p>A forward's arrays live in a manager of their own, freed once its backward is done: a schedule
 * holds the activations of only the micro-batches it has in flight. A stage's input is a leaf whose
 * gradient goes back to the previous stage; its backward runs from its upstream gradient.
 */
final class StepActions {
  /** What a step of one rank works with. */
  record Context(
      int rank, StageLayout layout, StagedModel model, Loss loss, StageTransfers transfers) {}

  private final Context c;
  private final int microBatches;
  private final NDManager manager;
  private final PipelineRank.MicroBatches batches;
  private final StepMemory memory = new StepMemory();
  private final Map<Long, NDArray> inputs = new HashMap<>();
  private final Map<Long, NDArray> outputs = new HashMap<>();
  private final Map<Long, NDArray> gradients = new HashMap<>();
  private final Map<Long, NDManager> scopes = new HashMap<>();
  private final Map<Integer, Integer> backwards = new HashMap<>();
  private final List<Work> sends = new ArrayList<>();
  private float lossSum;

  /**
   * @param manager the step's manager: what the step keeps until its end
   * @param batches the step's inputs (for the first stage) and targets (for the last)
   */
  StepActions(
      Context context, int microBatches, NDManager manager, PipelineRank.MicroBatches batches) {
    this.c = context;
    this.microBatches = microBatches;
    this.manager = manager;
    this.batches = batches;
  }

  private static long key(int stage, int microBatch) {
    return ((long) stage << 32) | microBatch;
  }

  /** Stage {@code s}'s forward of micro-batch {@code m}; the last stage's adds to the loss. */
  void forward(int s, int m) {
    NDArray in;
    if (s == 0) {
      in = batches.inputs().get(m);
    } else if (c.layout().rankOf(s - 1) == c.rank()) {
      // The previous stage is here: its output, cut from its graph, is this stage's leaf input.
      in = outputs.get(key(s - 1, m)).stopGradient();
      in.setRequiresGradient(true);
      inputs.put(key(s, m), in);
    } else {
      in = inputs.get(key(s, m));
    }
    NDManager scope = manager.newSubManager();
    scopes.put(key(s, m), scope);
    in.tempAttach(scope); // operations put their results in their input's manager
    NDArray out =
        c.model()
            .forward(s, new ParameterStore(scope, false), new NDList(in), true)
            .singletonOrThrow();
    if (s == c.layout().lastStage()) {
      NDArray l = c.loss().evaluate(new NDList(batches.targets().get(m)), new NDList(out));
      lossSum += l.getFloat();
      out = GraphScalars.divide(l, microBatches);
    }
    outputs.put(key(s, m), out);
    memory.forwardDone(key(s, m), scope, in);
  }

  /**
   * Stage {@code s}'s backward of micro-batch {@code m}.
   *
   * @return true if it was the stage's last backward of the step: its gradients are final
   */
  boolean backward(int s, int m) {
    NDArray from = outputs.get(key(s, m));
    NDArray seed;
    if (s == c.layout().lastStage()) {
      seed = from.onesLike();
    } else if (c.layout().rankOf(s + 1) == c.rank()) {
      seed = inputs.get(key(s + 1, m)).getGradient();
      seed.attach(manager);
      memory.keep(seed);
    } else {
      seed = gradients.get(key(s, m));
    }
    JniUtils.backward((PtNDArray) from, (PtNDArray) seed, false, false);
    // Its output was sent before the next stage could send its gradient back; its input, with
    // its gradient, returns to the step's manager.
    scopes.remove(key(s, m)).close();
    memory.backwardDone(key(s, m));
    return backwards.merge(s, 1, Integer::sum) == microBatches;
  }

  /** Posts stage {@code s}'s output of micro-batch {@code m} to the next stage. */
  void sendActivation(int s, int m) {
    sends.add(c.transfers().send(outputs.get(key(s, m)), s, m, false));
  }

  /** Posts the gradient of stage {@code s}'s input of micro-batch {@code m} to the previous one. */
  void sendGradient(int s, int m) {
    NDArray g = inputs.get(key(s, m)).getGradient();
    g.attach(manager);
    memory.keep(g);
    sends.add(c.transfers().send(g, s, m, true));
  }

  /** Receives stage {@code s}'s input of micro-batch {@code m}, a leaf of its graph. */
  void receiveActivation(int s, int m) {
    NDArray x = c.transfers().receive(manager, s, m, false);
    memory.keep(x);
    x.setRequiresGradient(true);
    inputs.put(key(s, m), x);
  }

  /** Receives the gradient of stage {@code s}'s output of micro-batch {@code m}. */
  void receiveGradient(int s, int m) {
    NDArray g = c.transfers().receive(manager, s, m, true);
    memory.keep(g);
    gradients.put(key(s, m), g);
  }

  /** Waits for every send posted (before the step's manager frees what they read). */
  void awaitSends() {
    for (Work w : sends) {
      w.await();
    }
  }

  /** The sum of the last stage's micro-batch losses (0 on other ranks). */
  float lossSum() {
    return lossSum;
  }

  StepMemory memory() {
    return memory;
  }
}
