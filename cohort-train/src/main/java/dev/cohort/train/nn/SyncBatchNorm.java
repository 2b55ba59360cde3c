package dev.cohort.train.nn;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Batch normalization over the global batch: in training, each channel's mean and variance come
 * from the samples of every rank (sums all-reduced in the forward pass), and the backward pass
 * carries the gradient through those shared statistics back to every rank ({@link
 * BatchStatsSync#backward}). So N workers with batch B/N compute what one worker with batch B
 * computes, as PyTorch's {@code SyncBatchNorm} does. In inference it is DJL's {@link BatchNorm}
 * with the running statistics.
 *
 * <p>A drop-in for {@link BatchNorm}: the same options and defaults, the same parameters in the
 * same order (gamma, beta, running mean, running variance) and the same saved format, so that a
 * model trained with it loads into the same model built with plain {@link BatchNorm} for inference.
 * Without a process group ({@link BatchStatsSync#attach}) it normalizes over the local batch.
 */
public final class SyncBatchNorm extends AbstractBlock {
  /** BatchNorm's own format version, so that plain DJL reads what this block saves. */
  private static final byte VERSION = 2;

  private final int axis;
  private final float epsilon;
  private final float momentum;
  private long inChannels;
  private final Parameter gamma;
  private final Parameter beta;
  private final Parameter runningMean;
  private final Parameter runningVar;
  private BatchStatsSync sync;

  private SyncBatchNorm(Builder b) {
    super(VERSION);
    this.axis = b.axis;
    this.epsilon = b.epsilon;
    this.momentum = b.momentum;
    gamma = addParameter(parameter("gamma", Parameter.Type.GAMMA, b.scale));
    beta = addParameter(parameter("beta", Parameter.Type.BETA, b.center));
    runningMean = addParameter(parameter("runningMean", Parameter.Type.RUNNING_MEAN, false));
    runningVar = addParameter(parameter("runningVar", Parameter.Type.RUNNING_VAR, false));
  }

  private static Parameter parameter(String name, Parameter.Type type, boolean trainable) {
    return Parameter.builder().setName(name).setType(type).optRequiresGrad(trainable).build();
  }

  /** A builder with BatchNorm's defaults: channel axis 1, epsilon 1e-5, momentum 0.9. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * {@code block} with every {@link BatchNorm} replaced by an equivalent SyncBatchNorm, like
   * PyTorch's {@code convert_sync_batchnorm}. Call it on the uninitialized block.
   *
   * @return the converted block: {@code block} itself unless it is a BatchNorm
   * @throws IllegalArgumentException if a BatchNorm sits inside a block whose children cannot be
   *     replaced (anything but {@code SequentialBlock}), or the block is already initialized
   */
  public static Block convert(Block block) {
    return BatchNormConversion.convert(block, "model");
  }

  void attach(BatchStatsSync sync) {
    this.sync = sync;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    NDArray g = store.getValue(gamma, x.getDevice(), training);
    NDArray b = store.getValue(beta, x.getDevice(), training);
    NDArray mean = store.getValue(runningMean, x.getDevice(), training);
    NDArray var = store.getValue(runningVar, x.getDevice(), training);
    if (!training) {
      return BatchNorm.batchNorm(x, mean, var, g, b, axis, momentum, epsilon, false);
    }
    return new NDList(normalize(x, g, b, mean, var));
  }

  private NDArray normalize(NDArray x, NDArray g, NDArray b, NDArray runMean, NDArray runVar) {
    int dims = x.getShape().dimension();
    int ax = axis < 0 ? axis + dims : axis;
    int[] over = IntStream.range(0, dims).filter(i -> i != ax).toArray();
    long channels = x.getShape().get(ax);
    long count = x.size() / channels;
    BatchStatsSync.Sums sums =
        (sync == null ? BatchStatsSync.LOCAL : sync).sums(x.sum(over), x.square().sum(over), count);
    long n = sums.count();
    NDArray mean = GraphScalars.divide(sums.sum(), n);
    NDArray variance = GraphScalars.divide(sums.sumOfSquares(), n).sub(mean.square());
    long[] shape = new long[dims];
    Arrays.fill(shape, 1);
    shape[ax] = channels;
    Shape bshape = new Shape(shape);
    // Results of operations on gamma and beta would belong to the model's manager, which lives as
    // long as the model: move them to the batch's, which is closed after the step.
    NDArray gamma = g.reshape(bshape);
    gamma.attach(x.getManager());
    NDArray beta = b.reshape(bshape);
    beta.attach(x.getManager());
    NDArray scale = gamma.div(variance.add(epsilon).sqrt().reshape(bshape));
    NDArray y = x.sub(mean.reshape(bshape)).mul(scale).add(beta);
    updateRunning(runMean, runVar, sums.values(), n);
    return y;
  }

  /** running = momentum x running + (1 - momentum) x batch, with the unbiased batch variance. */
  private void updateRunning(NDArray runMean, NDArray runVar, double[][] sums, long n) {
    int c = sums[0].length;
    float[] mean = new float[c];
    float[] var = new float[c];
    for (int i = 0; i < c; i++) {
      double m = sums[0][i] / n;
      double v = Math.max(0, sums[1][i] / n - m * m);
      mean[i] = (float) ((1 - momentum) * m);
      var[i] = (float) ((1 - momentum) * v * n / Math.max(1, n - 1));
    }
    NDManager manager = runMean.getManager();
    try (NDArray addMean = manager.create(mean);
        NDArray addVar = manager.create(var)) {
      runMean.muli(momentum).addi(addMean);
      runVar.muli(momentum).addi(addVar);
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }

  @Override
  protected void beforeInitialize(Shape... inputShapes) {
    super.beforeInitialize(inputShapes);
    inChannels = inputShapes[0].size(axis);
  }

  @Override
  public void prepare(Shape[] inputShapes) {
    for (Parameter p : new Parameter[] {gamma, beta, runningMean, runningVar}) {
      p.setShape(new Shape(inChannels));
    }
  }

  @Override
  protected void saveMetadata(DataOutputStream os) throws IOException {
    saveInputShapes(os);
    os.writeLong(inChannels);
  }

  @Override
  public void loadMetadata(byte loadVersion, DataInputStream is)
      throws IOException, MalformedModelException {
    if (loadVersion != VERSION) {
      throw new MalformedModelException("unsupported SyncBatchNorm version " + loadVersion);
    }
    readInputShapes(is);
    inChannels = is.readLong();
  }

  /** SyncBatchNorm's options, with BatchNorm's names and defaults. */
  public static final class Builder {
    int axis = 1;
    float epsilon = 1e-5f;
    float momentum = 0.9f;
    boolean center = true;
    boolean scale = true;

    private Builder() {}

    /** The channel axis (default 1, as in NCHW). */
    public Builder optAxis(int axis) {
      this.axis = axis;
      return this;
    }

    public Builder optEpsilon(float epsilon) {
      this.epsilon = epsilon;
      return this;
    }

    /** The running statistics keep this share of their old value at each step (default 0.9). */
    public Builder optMomentum(float momentum) {
      if (!(momentum >= 0 && momentum <= 1)) {
        throw new IllegalArgumentException("momentum must be in [0, 1], got " + momentum);
      }
      this.momentum = momentum;
      return this;
    }

    /** Whether beta is trained (default true). */
    public Builder optCenter(boolean center) {
      this.center = center;
      return this;
    }

    /** Whether gamma is trained (default true). */
    public Builder optScale(boolean scale) {
      this.scale = scale;
      return this;
    }

    public SyncBatchNorm build() {
      return new SyncBatchNorm(this);
    }
  }
}
