package dev.cohort.train.ddp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * A backward pass that hands gradients on segment by segment ({@link GradientSync#reduceSegment}),
 * so that their all-reduce overlaps the rest of the backward pass (DJL has no autograd hooks to do
 * it from inside one pass). ZeRO-2 and 3 cut the model with it too ({@link ShardedBackward}).
 *
 * <p>The model's children are cut into contiguous segments of about equal parameter counts. The
 * forward pass runs segment by segment; each segment after the first starts from a detached copy of
 * the previous segment's output that takes a gradient of its own (a leaf). The backward pass runs
 * from the loss through the last segment, which leaves dL/dx in that leaf; then from each earlier
 * segment's output, seeded with the gradient its successor's leaf received. As soon as a segment's
 * backward is done, its gradients are packed and their all-reduce starts while the earlier
 * segments' backward runs.
 *
 * <p>The gradients are bitwise those of one backward pass: the autograd engine does the same
 * operations on the same values, a leaf receiving exactly the gradient that would have flowed
 * through it. Not thread-safe; one forward then one backward per step.
 */
public final class SegmentedBackward {
  private final List<List<Block>> segments;
  private final List<List<Parameter>> parameters;

  /**
   * This step's segment outputs (but the last) and the leaves made from them; null where an output
   * takes no gradient.
   */
  private final List<NDArray> outputs = new ArrayList<>();

  private final List<NDArray> leaves = new ArrayList<>();

  private int detached;

  private SegmentedBackward(List<List<Block>> segments) {
    this.segments = segments;
    this.parameters =
        segments.stream()
            .map(
                s ->
                    s.stream()
                        .flatMap(b -> b.getParameters().values().stream())
                        .filter(Parameter::requiresGradient)
                        .toList())
            .toList();
  }

  /**
   * Checks that {@code model} can be cut into {@code segments} segments (any model can be cut into
   * one).
   *
   * @throws IllegalArgumentException naming what does not fit
   */
  public static void check(Block model, int segments) {
    if (segments < 1) {
      throw new IllegalArgumentException("backward segments must be >= 1, got " + segments);
    }
    if (segments == 1) {
      return;
    }
    if (!(model instanceof SequentialBlock seq)) {
      throw new IllegalArgumentException(
          "--backward-segments "
              + segments
              + " needs a SequentialBlock model, got "
              + model.getClass().getSimpleName()
              + "; use --backward-segments 1");
    }
    if (seq.isReturnIntermediate()) {
      throw new IllegalArgumentException(
          "--backward-segments "
              + segments
              + " cannot cut a SequentialBlock that returns its intermediate outputs");
    }
    int children = seq.getChildren().size();
    if (segments > children) {
      throw new IllegalArgumentException(
          "--backward-segments "
              + segments
              + " is more than the model's "
              + children
              + " blocks; use at most "
              + children);
    }
  }

  /**
   * Cuts an initialized model into {@code count} segments.
   *
   * @param trainable the model's parameters that take gradients, in model order: the segments'
   *     parameters must be these
   * @throws IllegalArgumentException see {@link #check}
   */
  static SegmentedBackward of(Block model, int count, List<Parameter> trainable) {
    check(model, count);
    List<Block> children = model.getChildren().values();
    long[] weights =
        children.stream()
            .mapToLong(
                b ->
                    b.getParameters().values().stream()
                        .filter(Parameter::requiresGradient)
                        .mapToLong(ParameterViews::elements)
                        .sum())
            .toArray();
    List<List<Block>> cut = new ArrayList<>();
    int from = 0;
    for (int end : SegmentCuts.balanced(weights, count)) {
      cut.add(List.copyOf(children.subList(from, end)));
      from = end;
    }
    SegmentedBackward s = new SegmentedBackward(List.copyOf(cut));
    List<Parameter> flat = s.parameters.stream().flatMap(List::stream).toList();
    if (!flat.equals(trainable)) {
      throw new IllegalStateException(
          "the model's parameters are not those of its children in order; cannot segment it");
    }
    return s;
  }

  /** Whether a segment before segment {@code s} has parameters that take gradients. */
  private boolean trainableBefore(int s) {
    return parameters.subList(0, s).stream().anyMatch(p -> !p.isEmpty());
  }

  /** How many segments the last forward pass started from a leaf of their own. */
  int detached() {
    return detached;
  }

  /** The parameters that take gradients, per segment, in model order. */
  List<List<Parameter>> parameters() {
    return parameters;
  }

  /** How many segments. */
  int count() {
    return segments.size();
  }

  /** Segment {@code s}'s blocks, in model order. */
  List<Block> blocks(int s) {
    return segments.get(s);
  }

  /** Whether segment {@code s} or one before it has parameters that take gradients. */
  boolean trainableUpTo(int s) {
    return trainableBefore(s + 1);
  }

  /** How many blocks each segment holds, first segment first. */
  List<Integer> blocksPerSegment() {
    return segments.stream().map(List::size).toList();
  }

  /** The model's forward pass in training mode, cut where the segments meet. */
  NDList forward(ParameterStore store, NDList input) {
    outputs.clear();
    leaves.clear();
    detached = 0;
    NDList x = input;
    for (int s = 0; s < segments.size(); s++) {
      if (s > 0) {
        NDArray y = single(x, s);
        // (JniUtils.requiresGrad says false for any output of an operation: useless here.)
        if (trainableBefore(s)) {
          NDArray leaf = y.stopGradient();
          leaf.setRequiresGradient(true);
          outputs.add(y);
          leaves.add(leaf);
          x = new NDList(leaf);
        } else {
          // Nothing before it takes a gradient (a flatten block): no backward to run there.
          outputs.add(null);
          leaves.add(null);
        }
        detached = leaves.size() - (int) leaves.stream().filter(l -> l == null).count();
      }
      for (Block b : segments.get(s)) {
        x = b.forward(store, x, true);
      }
    }
    return x;
  }

  /**
   * Backward from {@code loss} (gradients add up in the parameters), each segment's number handed
   * to {@code sync} as soon as its gradients are complete, the last segment first (to reduce them:
   * {@link GradientSync#reduceSegment}). Collective.
   *
   * @return nanoseconds spent in {@code sync} (packing and starting reductions)
   */
  long backward(NDArray loss, IntConsumer sync) {
    long handing = 0;
    NDArray from = loss;
    NDArray seed = loss.onesLike();
    for (int s = segments.size() - 1; s >= 0; s--) {
      if (from != null) {
        JniUtils.backward((PtNDArray) from, (PtNDArray) seed, false, false);
        seed.close();
      }
      if (s > 0) {
        from = outputs.get(s - 1);
        seed = from == null ? null : leaves.get(s - 1).getGradient();
      }
      long t0 = System.nanoTime();
      sync.accept(s);
      handing += System.nanoTime() - t0;
    }
    outputs.clear();
    leaves.clear();
    return handing;
  }

  /** The one float array where segment {@code s} starts. */
  private NDArray single(NDList x, int s) {
    if (x.size() != 1 || x.head().getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException(
          "segment "
              + s
              + " of "
              + segments.size()
              + " starts from "
              + x.size()
              + " array(s) of "
              + (x.isEmpty() ? "nothing" : x.head().getDataType())
              + "; segments must meet at one float32 array: use fewer backward segments");
    }
    return x.head();
  }
}
