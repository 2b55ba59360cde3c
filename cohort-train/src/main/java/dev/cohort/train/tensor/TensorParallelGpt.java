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
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.train.data.TensorViews;
import dev.cohort.train.model.gpt.Gpt;
import dev.cohort.train.model.gpt.GptConfig;
import dev.cohort.train.pipeline.StagePartition;
import dev.cohort.train.pipeline.StagedModel;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The GPT over a tensor group: the embeddings, the final LayerNorm and the head replicated (DJL's
 * own blocks), every transformer layer a {@link TensorParallelLayer} cut from the same model built
 * whole from the same seeds ({@link StagedModel}'s per-block seeds), so that one rank and t ranks
 * are the same model. A step runs the forward through the graph breaks, the backward from the loss
 * back through each layer, and plain SGD on every parameter this rank holds. Collective over the
 * group. Without dropout inside the layers.
 */
public final class TensorParallelGpt implements AutoCloseable {
  private final NDManager manager;
  private final ProcessGroup dataParallel;
  private final Block embeddings;
  private final List<TensorParallelLayer> layers = new ArrayList<>();
  private final Block norm;
  private final Block head;
  private final Loss loss;
  private final List<NDArray> replicated = new ArrayList<>();

  /**
   * @param microBatch the shape of one batch of tokens, (rows, context)
   * @throws IllegalArgumentException if the heads or the MLP's width do not split over the group
   */
  public TensorParallelGpt(
      ProcessGroup group, GptConfig cfg, int seed, Shape microBatch, Loss loss) {
    this(group, null, cfg, seed, microBatch, loss);
  }

  /**
   * Data × tensor parallelism: {@code group} holds this rank's tensor group, and {@code
   * dataParallel} the ranks holding the same shards in the other replicas (each with a batch of its
   * own), whose gradients are averaged before each update; null for one replica.
   */
  public TensorParallelGpt(
      ProcessGroup group,
      ProcessGroup dataParallel,
      GptConfig cfg,
      int seed,
      Shape microBatch,
      Loss loss) {
    this.dataParallel = dataParallel;
    this.manager = NDManager.newBaseManager();
    this.loss = loss;
    SequentialBlock whole = Gpt.build(cfg);
    int blocks = cfg.layers() + 3;
    StagedModel model =
        new StagedModel(whole, new StagePartition(new int[] {0}, blocks), microBatch);
    synchronized (TensorParallelGpt.class) { // the engine's seed is global
      model.initialize(manager, 0, seed);
    }
    List<Block> children = List.copyOf(whole.getChildren().values());
    this.embeddings = children.get(0);
    this.norm = children.get(blocks - 2);
    this.head = children.get(blocks - 1);
    for (Block b : List.of(embeddings, norm, head)) {
      b.getParameters().values().forEach(p -> replicated.add(p.getArray()));
    }
    for (int i = 1; i <= cfg.layers(); i++) {
      List<NDArray> w = new ArrayList<>();
      for (Parameter p : children.get(i).getParameters().values()) {
        w.add(p.getArray()); // norm1, attention (qkv, projection), norm2, MLP: Weights' order
      }
      layers.add(
          new TensorParallelLayer(
              group,
              manager,
              cfg.heads(),
              new TensorParallelLayer.Weights(
                  w.get(0), w.get(1), w.get(2), w.get(3), w.get(4), w.get(5), w.get(6), w.get(7),
                  w.get(8), w.get(9), w.get(10), w.get(11))));
      children.get(i).getParameters().values().forEach(p -> p.getArray().close()); // the master
    }
  }

  /**
   * One SGD step on {@code tokens} against {@code targets}, in {@code step} (freed by the caller).
   *
   * @return the batch's loss, the same on every rank
   */
  public float step(NDManager step, NDArray tokens, NDArray targets, float learningRate) {
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
      JniUtils.backward((PtNDArray) l, (PtNDArray) l.onesLike(), false, false);
      NDArray dx = top.getGradient();
      for (int i = layers.size() - 1; i >= 0; i--) {
        dx = layers.get(i).backward(dx);
      }
      JniUtils.backward((PtNDArray) embedded, (PtNDArray) dx, false, false);
      sgd(learningRate);
      return value;
    } finally {
      JniUtils.setGradMode(false);
    }
  }

  /**
   * {@code p -= lr * grad} for every parameter, the gradients averaged across the replicas first,
   * then the gradients zeroed.
   */
  private void sgd(float lr) {
    List<NDArray> all = new ArrayList<>(replicated);
    layers.forEach(layer -> all.addAll(layer.parameters()));
    for (NDArray p : all) {
      try (NDArray g = p.getGradient()) {
        FloatBuffer w = TensorViews.view(p, "a parameter").asFloatBuffer();
        var gradient = TensorViews.view(g, "a gradient");
        if (dataParallel != null && dataParallel.size() > 1) {
          dataParallel.allReduce(
              Tensor.of(gradient, dev.cohort.comm.DataType.FLOAT32, gradient.capacity() / 4),
              ReduceOp.AVG);
        }
        FloatBuffer d = gradient.asFloatBuffer();
        for (int i = 0; i < w.capacity(); i++) {
          w.put(i, w.get(i) - lr * d.get(i));
        }
        TensorViews.zero(gradient);
      }
    }
  }

  /** The embeddings', norm's and head's parameters (whole), then each layer's (this rank's). */
  public List<NDArray> parameters() {
    List<NDArray> out = new ArrayList<>(replicated);
    layers.forEach(layer -> out.addAll(layer.parameters()));
    return out;
  }

  /** All-reduces issued so far: 4 per layer per step. */
  public int allReduces() {
    return layers.stream().mapToInt(TensorParallelLayer::allReduces).sum();
  }

  @Override
  public void close() {
    manager.close();
  }
}
