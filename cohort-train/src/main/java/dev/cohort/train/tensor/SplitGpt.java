package dev.cohort.train.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.train.model.gpt.Gpt;
import dev.cohort.train.model.gpt.GptConfig;
import dev.cohort.train.pipeline.StagePartition;
import dev.cohort.train.pipeline.StagedModel;
import java.util.ArrayList;
import java.util.List;

/**
 * The GPT with its layers split over workers: the embeddings, the final LayerNorm and the head
 * replicated (DJL's own blocks), every transformer layer a {@link TensorParallelLayer} built by a
 * {@link Layers} from the full weights of the model built whole from the same seeds ({@link
 * StagedModel}'s per-block seeds), so that one worker and many are the same model: tensor parallel
 * (each layer's attention and MLP sharded over a tensor group) or a mixture of experts (experts
 * spread over an expert group). A step runs the forward through the layers' graph breaks and the
 * backward from the loss back through each layer; gradients accumulate until {@link #update}, which
 * averages them across the replicas and updates every parameter in place.
 */
public final class SplitGpt implements AutoCloseable {
  /** Builds layer {@code index} (from 0) from its full weights, in {@code manager}. */
  @FunctionalInterface
  public interface Layers {
    TensorParallelLayer build(int index, TensorParallelLayer.Weights full, NDManager manager);
  }

  /**
   * Who averages which gradients before an update.
   *
   * @param replicas the ranks holding this rank's parameters alike (the same shards, the replicated
   *     ones), each with a batch of its own; null for none
   * @param localReplicas for the layers' local parameters (experts): the ranks holding them alike;
   *     null for none
   * @param localScale what the local parameters' averaged gradients are multiplied by: 1/g over an
   *     expert group of g, whose g batches all reached them
   */
  public record Averaging(ProcessGroup replicas, ProcessGroup localReplicas, float localScale) {
    /** Nothing to average: one replica. */
    public static final Averaging NONE = new Averaging(null, null, 1);
  }

  /**
   * The optimizer.
   *
   * @param name "sgd" or "adam"
   * @param momentum SGD's momentum (0: none)
   */
  public record Optimizer(String name, float momentum) {
    /** Plain SGD. */
    public static final Optimizer SGD = new Optimizer("sgd", 0);
  }

  private final NDManager manager;
  private final Block embeddings;
  private final List<TensorParallelLayer> layers = new ArrayList<>();
  private final Block norm;
  private final Block head;
  private final Loss loss;
  private final List<NDArray> parameters = new ArrayList<>();
  private final SplitUpdate update;
  private long activationBytes; // what the last forward left for its backward

  /**
   * Builds the model whole from {@code seed}, keeps the replicated blocks and cuts each layer.
   *
   * @param microBatch the shape of one batch of tokens, (rows, context)
   * @throws IllegalArgumentException if the layers do not split over their groups
   */
  public SplitGpt(
      GptConfig cfg,
      int seed,
      Shape microBatch,
      Loss loss,
      Layers build,
      Averaging averaging,
      Optimizer optimizer) {
    this.manager = NDManager.newBaseManager();
    this.loss = loss;
    SequentialBlock whole = Gpt.build(cfg);
    int blocks = cfg.layers() + 3;
    StagedModel model =
        new StagedModel(whole, new StagePartition(new int[] {0}, blocks), microBatch);
    synchronized (SplitGpt.class) { // the engine's seed is global
      model.initialize(manager, 0, seed);
    }
    List<Block> children = List.copyOf(whole.getChildren().values());
    List<NDArray> local = new ArrayList<>();
    this.embeddings = children.get(0);
    this.norm = children.get(blocks - 2);
    this.head = children.get(blocks - 1);
    for (Block b : List.of(embeddings, norm, head)) {
      b.getParameters().values().forEach(p -> parameters.add(p.getArray()));
    }
    for (int i = 1; i <= cfg.layers(); i++) {
      List<NDArray> w = new ArrayList<>();
      for (Parameter p : children.get(i).getParameters().values()) {
        w.add(p.getArray()); // norm1, attention (qkv, projection), norm2, MLP: Weights' order
      }
      TensorParallelLayer layer =
          build.build(
              i - 1,
              new TensorParallelLayer.Weights(
                  w.get(0), w.get(1), w.get(2), w.get(3), w.get(4), w.get(5), w.get(6), w.get(7),
                  w.get(8), w.get(9), w.get(10), w.get(11)),
              manager);
      layers.add(layer);
      parameters.addAll(layer.parameters());
      local.addAll(layer.localParameters());
      children.get(i).getParameters().values().forEach(p -> p.getArray().close()); // the master
    }
    this.update = new SplitUpdate(parameters, local, averaging, optimizer);
  }

  /**
   * The tensor-parallel GPT: every layer's attention and MLP sharded over {@code tensor}, every
   * gradient averaged over {@code dataParallel} (the ranks of the other replicas holding the same
   * shards; null for one replica).
   */
  public static SplitGpt tensorParallel(
      ProcessGroup tensor,
      ProcessGroup dataParallel,
      GptConfig cfg,
      int seed,
      Shape microBatch,
      Loss loss,
      Optimizer optimizer) {
    return new SplitGpt(
        cfg,
        seed,
        microBatch,
        loss,
        (index, full, manager) -> new TensorParallelLayer(tensor, manager, cfg.heads(), full),
        new Averaging(dataParallel, null, 1),
        optimizer);
  }

  /**
   * The forward and backward of one batch, in {@code step} (freed by the caller); the gradients add
   * to those of earlier batches since the last update. Collective over the layers' groups.
   *
   * @return the batch's loss
   */
  public float forwardBackward(NDManager step, NDArray tokens, NDArray targets) {
    JniUtils.setGradMode(true);
    try {
      ParameterStore store = new ParameterStore(step, false);
      tokens.tempAttach(step);
      NDArray embedded = embeddings.forward(store, new NDList(tokens), true).singletonOrThrow();
      NDArray x = embedded;
      for (TensorParallelLayer layer : layers) {
        x = layer.forward(x);
      }
      NDArray top = x.stopGradient();
      top.setRequiresGradient(true);
      NDArray logits =
          head.forward(store, norm.forward(store, new NDList(top), true), true).singletonOrThrow();
      NDArray l = loss.evaluate(new NDList(targets), new NDList(logits));
      float value = l.getFloat();
      activationBytes = heldBytes(step, tokens, targets);
      JniUtils.backward((PtNDArray) l, (PtNDArray) l.onesLike(), false, false);
      NDArray dx = top.getGradient();
      for (int i = layers.size() - 1; i >= 0; i--) {
        dx = layers.get(i).backward(dx);
      }
      JniUtils.backward((PtNDArray) embedded, (PtNDArray) dx, false, false);
      return value;
    } finally {
      JniUtils.setGradMode(false);
    }
  }

  /**
   * The logits for {@code tokens}, in evaluation mode (no dropout, no gradients), in {@code step}.
   * Collective over the layers' groups.
   */
  public NDArray logits(NDManager step, NDArray tokens) {
    ParameterStore store = new ParameterStore(step, false);
    tokens.tempAttach(step);
    NDArray x = embeddings.forward(store, new NDList(tokens), false).singletonOrThrow();
    for (TensorParallelLayer layer : layers) {
      x = layer.forward(x);
    }
    return head.forward(store, norm.forward(store, new NDList(x), false), false).singletonOrThrow();
  }

  /**
   * Update number {@code step} (from 1): the gradients averaged across the replicas, times {@code
   * scale} (1/b after b batches of gradient accumulation), then the optimizer, then zeroed.
   * Collective over the averaging groups.
   */
  public void update(int step, float learningRate, float scale) {
    update.update(step, learningRate, scale);
  }

  /**
   * The bytes of every array {@code step} holds but the batch, as {@link
   * dev.cohort.train.model.gpt.GptActivations} counts a forward's (views in full).
   */
  private static long heldBytes(NDManager step, NDArray tokens, NDArray targets) {
    long bytes = 0;
    for (NDArray a : step.getManagedArrays()) {
      if (a != tokens && a != targets) {
        bytes += a.size() * a.getDataType().getNumOfBytes();
      }
    }
    return bytes;
  }

  /** The bytes the last training forward left alive for its backward. */
  public long activationBytes() {
    return activationBytes;
  }

  /** Nanoseconds spent averaging gradients across the replicas so far. */
  public long averagingNanos() {
    return update.averagingNanos();
  }

  /** The bytes of this rank's parameters (and as many of gradients). */
  public long parameterBytes() {
    return update.parameterBytes();
  }

  /** The bytes of the optimizer's state (Adam's moments, SGD's momentum). */
  public long optimizerBytes() {
    return update.optimizerBytes();
  }

  /** The embeddings', norm's and head's parameters (whole), then each layer's (this rank's). */
  public List<NDArray> parameters() {
    return List.copyOf(parameters);
  }

  /** The transformer layers, first to last. */
  public List<TensorParallelLayer> layers() {
    return List.copyOf(layers);
  }

  /** Bytes the layers all-reduced so far. */
  public long allReduceBytes() {
    return layers.stream().mapToLong(TensorParallelLayer::allReduceBytes).sum();
  }

  /** Nanoseconds the layers spent in their collectives so far. */
  public long communicationNanos() {
    return layers.stream().mapToLong(TensorParallelLayer::communicationNanos).sum();
  }

  /** The layers' all-reduces issued so far: 4 per tensor-parallel layer per step. */
  public int allReduces() {
    return layers.stream().mapToInt(TensorParallelLayer::allReduces).sum();
  }

  @Override
  public void close() {
    manager.close();
  }
}
