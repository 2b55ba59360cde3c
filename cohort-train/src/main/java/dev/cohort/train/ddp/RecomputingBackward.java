package dev.cohort.train.ddp;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.loss.Loss;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * ZeRO-3's forward and backward pass, FSDP style, over the segments of {@link SegmentedBackward}:
 * no rank holds the whole parameters, so a segment's are gathered just before it runs and freed
 * right after.
 *
 * <ol>
 *   <li>Forward, without gradients: each segment but the last is lent its parameters (one
 *       all-gather), run, and its parameters freed; only the segments' inputs are kept.
 *   <li>Backward, the last segment first: the segment's parameters are gathered again, the segment
 *       is run again from its kept input, this time taking gradients (the last one computes the
 *       loss), and its backward runs from the gradient its successor's input received. Its
 *       gradients are reduce-scattered ({@link ShardedGradients}) and everything it made is freed.
 * </ol>
 *
 * So a rank holds at any time one segment's whole parameters, gradients and activations, and its
 * shards of everything: the price is every segment but the last run twice, and parameters
 * all-gathered twice (3Ψ on the wire per step, against 2Ψ for an all-reduce). The rerun draws
 * dropout's masks as the first run did ({@link RandomStreams#enterSegment}), and a segment's
 * buffers (BatchNorm's running statistics) are put back before its rerun so that they move once per
 * step.
 */
final class RecomputingBackward {
  private final SegmentedBackward segments;
  private final ShardedParameters params;
  private final ShardedGradients gradients;
  private final List<List<ByteBuffer>> buffers; // per segment: its blocks' buffers' memory

  RecomputingBackward(
      SegmentedBackward segments, ShardedParameters params, ShardedGradients gradients) {
    this.segments = segments;
    this.params = params;
    this.gradients = gradients;
    this.buffers = new ArrayList<>();
    for (int s = 0; s < segments.count(); s++) {
      List<ByteBuffer> views = new ArrayList<>();
      for (Block b : segments.blocks(s)) {
        for (Parameter p : b.getParameters().values()) {
          if (!p.requiresGradient()) {
            views.add(ParameterViews.value(p));
          }
        }
      }
      buffers.add(views);
    }
  }

  /** What a step's passes did: the loss, and the bytes the parameter gathers moved. */
  record Pass(float loss, long gatherBytes) {}

  /**
   * Runs the step's forward and backward on {@code x} against {@code labels}; the averaged
   * gradients end in {@code gradients}' storage. Collective.
   *
   * @param manager the step's manager: everything made here is freed before it closes but the
   *     segments' inputs
   * @param seedSegment reseeds dropout's stream for a segment (the same before its rerun)
   */
  Pass run(NDManager manager, NDList x, NDList labels, Loss loss, IntConsumer seedSegment) {
    int count = segments.count();
    List<NDList> inputs = new ArrayList<>();
    List<float[][]> savedBuffers = new ArrayList<>();
    long gathered = 0;
    NDList in = x;
    for (int s = 0; s < count - 1; s++) {
      inputs.add(in);
      savedBuffers.add(copy(buffers.get(s)));
      seedSegment.accept(s);
      params.lend(s, manager, false);
      gathered += params.lentBytes(s);
      JniUtils.setGradMode(false);
      try (NDManager m = manager.newSubManager()) {
        in.tempAttach(m); // what the segment makes lands in m, freed but for its output
        NDList out = forward(s, in);
        out.attach(manager);
        in = out;
      } finally {
        JniUtils.setGradMode(true);
      }
      params.giveBack(s);
    }
    inputs.add(in);
    float lossValue = Float.NaN;
    NDArray seed = null;
    for (int s = count - 1; s >= 0; s--) {
      NDArray next = null;
      if (segments.trainableUpTo(s)) {
        try (NDManager m = manager.newSubManager()) {
          if (s < count - 1) {
            put(buffers.get(s), savedBuffers.get(s)); // the first run moved them already
          }
          seedSegment.accept(s);
          params.lend(s, m, true);
          gathered += params.lentBytes(s);
          NDArray leaf = null;
          NDList start = inputs.get(s);
          if (s > 0 && segments.trainableUpTo(s - 1)) {
            leaf = start.singletonOrThrow().stopGradient();
            leaf.attach(m);
            leaf.setRequiresGradient(true);
            start = new NDList(leaf);
          } else {
            start.tempAttach(m);
          }
          NDList out = forward(s, start);
          NDArray from;
          NDArray upstream;
          if (s == count - 1) {
            from = loss.evaluate(labels, out);
            lossValue = from.getFloat();
            upstream = from.onesLike();
          } else {
            from = out.singletonOrThrow();
            upstream = seed;
          }
          JniUtils.backward((PtNDArray) from, (PtNDArray) upstream, false, false);
          upstream.close();
          gradients.reduceSegment(s, params.leaves(s));
          if (leaf != null) {
            next = leaf.getGradient();
            next.attach(manager);
          }
          params.giveBack(s);
        }
      }
      seed = next;
    }
    if (seed != null) {
      seed.close();
    }
    return new Pass(lossValue, gathered);
  }

  private NDList forward(int s, NDList in) {
    NDList x = in;
    for (Block b : segments.blocks(s)) {
      x = b.forward(params, x, true);
    }
    return x;
  }

  private static float[][] copy(List<ByteBuffer> views) {
    float[][] out = new float[views.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = new float[views.get(i).capacity() / Float.BYTES];
      views.get(i).duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer().get(out[i]);
    }
    return out;
  }

  private static void put(List<ByteBuffer> views, float[][] values) {
    for (int i = 0; i < values.length; i++) {
      views.get(i).duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer().put(values[i]);
    }
  }
}
