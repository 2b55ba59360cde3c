package dev.cohort.train.model.gpt;

/**
 * The activations a training forward keeps alive until its backward, per micro-batch, computed from
 * the sizes alone (no libtorch), so that a plan can be checked against a memory budget before
 * training.
 *
 * <p>What is counted is what a pipeline stage's forward scope holds: every {@code NDArray} that the
 * forward of one block (or the loss) creates in the manager its input is temp-attached to, each as
 * {@code size * bytes per element} of its data type, i.e. the sum over {@code
 * scope.getManagedArrays()} less the input itself. It is exact for DJL 0.36 on PyTorch, with the
 * first block's tokens given as {@code float32} (as {@code TokenWindows} makes them), and it
 * differs from the memory these arrays really take in two ways:
 *
 * <ul>
 *   <li>views count in full although they share their base's storage: the split of the
 *       query/key/value projection and the per-head reshapes and transposes (44 of a transformer
 *       block's 128 bytes per row, position and width), the slice of the position table, and the
 *       flattened logits (half the loss's bytes per row, position and token); with dropout 0, a
 *       dropout's output is the very tensor it was given, counted again;
 *   <li>tensors that libtorch's autograd keeps for the backward pass without an {@code NDArray} are
 *       not seen: a dropout's noise mask (as large as its input, when dropout is above 0), the
 *       per-row mean and reciprocal deviation of each LayerNorm, and the contiguous copies that
 *       {@code matmul} makes of the per-head queries, keys and values.
 * </ul>
 *
 * <p>So the NDArray count does not depend on the dropout rate: DJL's dropout returns one array of
 * its input's size either way.
 *
 * @param cfg the model's sizes
 */
public record GptActivations(GptConfig cfg) {
  private static final long FLOAT = 4; // float32, every activation
  private static final long INDEX = 8; // int64, token indices

  /**
   * The bytes each of {@link Gpt#build}'s blocks (embeddings, the transformer blocks, the final
   * LayerNorm, the LM head) leaves in its forward scope for a training-mode forward of a {@code
   * (rows, context)} micro-batch, as described on this class.
   */
  public long[] blockActivationBytes(int rows) {
    long n = (long) rows * cfg.context(); // token positions
    long t = cfg.context();
    long c = cfg.width();
    long s = (long) rows * cfg.heads() * t * t; // attention scores
    long[] out = new long[cfg.layers() + 3];
    out[0] =
        INDEX * n // the float tokens as int64 indices
            + FLOAT * n * c // the token vectors looked up
            + FLOAT * t * c // positions[0:context], a view of the table made in the scope
            + FLOAT * n * c // their sum
            + FLOAT * n * c; // dropout
    long attention =
        FLOAT * 3 * n * c // the query/key/value projection
            + FLOAT * 3 * n * c // split into q, k, v: three views
            + FLOAT * 6 * n * c // each reshaped to (rows, context, heads, width / heads) and
            // transposed to (rows, heads, context, width / heads): two views each
            + FLOAT * n * c // k transposed: a view
            + FLOAT * s // q kᵀ
            + FLOAT // the scalar 1/√d: GraphScalars makes it in the scope, for the backward pass
            + FLOAT * s // divided
            + FLOAT * t * t // the causal mask, made afresh every forward
            + FLOAT * s // masked
            + FLOAT * s // softmax
            + FLOAT * s // dropout
            + FLOAT * n * c // weights times v
            + FLOAT * n * c // transposed back: a view
            + FLOAT * n * c // reshaped to (rows, context, width): a copy, the transpose being
            // non-contiguous
            + FLOAT * n * c // the output projection
            + FLOAT * n * c; // dropout
    long mlp =
        FLOAT * 4 * n * c // widening linear
            + FLOAT * 4 * n * c // GELU
            + FLOAT * n * c // narrowing linear
            + FLOAT * n * c; // dropout
    long block =
        FLOAT * n * c // norm1
            + attention
            + FLOAT * n * c // first residual sum
            + FLOAT * n * c // norm2
            + mlp
            + FLOAT * n * c; // second residual sum
    for (int i = 1; i <= cfg.layers(); i++) {
      out[i] = block; // 128 n·c + 20 s + 4 t² + 4
    }
    out[cfg.layers() + 1] = FLOAT * n * c; // the final LayerNorm
    out[cfg.layers() + 2] = FLOAT * n * cfg.vocabulary(); // the logits
    return out;
  }

  /**
   * The bytes that {@link SequenceLoss#evaluate} on the LM head's {@code (rows, context,
   * vocabulary)} logits, then the division of the loss by the number of micro-batches ({@code
   * GraphScalars.divide}), add to the head's forward scope: the logits flattened to {@code (rows ·
   * context, vocabulary)} (a view), their log-softmax, the picked log-probabilities {@code (rows ·
   * context, 1)} and their negation, the mean, the divisor's scalar and the quotient. Reading the
   * loss's value ({@code getFloat}) makes a scalar too, but closes it at once.
   *
   * <p>The targets' reshapes and their int64 copy are made in the targets' manager instead: see
   * {@link #lossTargetBytes}.
   */
  public long lossActivationBytes(int rows) {
    long n = (long) rows * cfg.context();
    long v = cfg.vocabulary();
    return FLOAT * n * v // the logits flattened: a view
        + FLOAT * n * v // log-softmax
        + FLOAT * n // the target tokens' log-probabilities, gathered
        + FLOAT * n // negated
        + FLOAT // their mean
        + FLOAT // the scalar 1 / micro-batches
        + FLOAT; // the loss divided
  }

  /**
   * The bytes that {@link SequenceLoss#evaluate} makes in the manager of the {@code float32}
   * targets {@code (rows, context)} rather than in the forward scope: the targets flattened, then
   * reshaped to {@code (rows · context, 1)} (two views) and copied to int64 for the gather. With
   * targets in a step's manager, as a pipeline's last stage has them, these stay until the step
   * ends, for every micro-batch of the step.
   */
  public long lossTargetBytes(int rows) {
    long n = (long) rows * cfg.context();
    return FLOAT * n + FLOAT * n + INDEX * n;
  }
}
