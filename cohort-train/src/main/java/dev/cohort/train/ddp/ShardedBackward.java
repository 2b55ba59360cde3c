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
 * ZeRO-2 and 3's forward and backward pass over the segments of {@link SegmentedBackward}, each
 * segment in a manager of its own that is closed as soon as its gradients are reduce-scattered
 * ({@link ShardedGradients}): that frees its activations and, with them, the autograd graph that
 * holds its parameters' leaves and their gradients. So libtorch never holds the whole model's
 * gradients at once.
 *
 * <ul>
 *   <li>ZeRO-2 ({@code recompute} false): the forward pass runs every segment with gradients and
 *       keeps it; the backward pass, the last segment first, runs each one's backward from the
 *       gradient its successor's input received.
 *   <li>ZeRO-3 ({@code recompute} true), FSDP style: no rank holds the whole parameters, so a
 *       segment's are gathered just before it runs and freed right after. The forward pass runs
 *       every segment but the last without gradients and keeps only its input; the backward pass
 *       gathers each segment again and runs it again from its input, this time with gradients. The
 *       next segment's gather is prefetched into the segment buffer ({@link
 *       ShardedParameters#prefetch}): in the forward pass while a segment runs; in the backward
 *       pass once a segment's gradients have left the buffer. The price: every segment but the last
 *       runs twice, and parameters are all-gathered twice (3Ψ on the wire per step, against 2Ψ for
 *       an all-reduce). The rerun draws dropout's masks as the first run did ({@link
 *       RandomStreams#enterSegment}), and a segment's buffers (BatchNorm's running statistics) are
 *       put back before its rerun so that they move once per step.
 * </ul>
 */
final class ShardedBackward {
  private final SegmentedBackward segments;
  private final ShardedParameters params;
  private final ShardedGradients gradients;
  private final boolean recompute;
  private final List<List<ByteBuffer>> buffers; // per segment: its blocks' buffers' memory

  /** A segment run with gradients: its manager, the leaf it started from, what it made. */
  private record Ran(NDManager manager, NDArray leaf, NDList out, NDArray loss) {}

  /** What a step's passes did: the loss, and the bytes the parameter gathers moved. */
  record Pass(float loss, long gatherBytes) {}

  ShardedBackward(
      SegmentedBackward segments,
      ShardedParameters params,
      ShardedGradients gradients,
      boolean recompute) {
    this.segments = segments;
    this.params = params;
    this.gradients = gradients;
    this.recompute = recompute;
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

  /**
   * Runs the step's forward and backward on {@code x} against {@code labels}; the averaged
   * gradients end in {@code gradients}' storage. Collective.
   *
   * @param manager the step's manager: everything made here is freed before it closes but the
   *     segments' inputs (ZeRO-3)
   * @param seedSegment reseeds dropout's stream before a segment runs (ZeRO-3: the same before its
   *     rerun)
   */
  Pass run(NDManager manager, NDList x, NDList labels, Loss loss, IntConsumer seedSegment) {
    int count = segments.count();
    Ran[] kept = new Ran[count];
    List<NDList> inputs = new ArrayList<>();
    List<float[][]> savedBuffers = new ArrayList<>();
    long gathered = 0;
    NDList in = x;
    for (int s = 0; s < count; s++) {
      inputs.add(in);
      if (!recompute) {
        kept[s] = runWithGradients(s, manager, in, labels, loss, seedSegment);
        in = kept[s].out();
        gathered += params.lentBytes(s);
        continue;
      }
      if (s == count - 1) {
        break; // the last segment runs once, with gradients, in the backward pass
      }
      savedBuffers.add(copy(buffers.get(s)));
      seedSegment.accept(s);
      params.lend(s, manager, false);
      params.prefetch(s + 1); // while this segment runs; the last one runs first in the backward
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
    float lossValue = Float.NaN;
    NDArray seed = null;
    for (int s = count - 1; s >= 0; s--) {
      Ran r = kept[s];
      if (r == null && segments.trainableUpTo(s)) {
        if (s < count - 1) {
          put(buffers.get(s), savedBuffers.get(s)); // the first run moved them already
        }
        r = runWithGradients(s, manager, inputs.get(s), labels, loss, seedSegment);
        gathered += params.lentBytes(s);
      }
      NDArray next = null;
      if (r != null) {
        try (NDManager m = r.manager()) {
          if (segments.trainableUpTo(s)) {
            NDArray from = s == count - 1 ? r.loss() : r.out().singletonOrThrow();
            NDArray upstream = s == count - 1 ? from.onesLike() : seed;
            JniUtils.backward((PtNDArray) from, (PtNDArray) upstream, false, false);
            upstream.close();
            gradients.reduceSegment(s, params.leaves(s));
            if (s > 0 && kept[s - 1] == null && segments.trainableUpTo(s - 1)) {
              params.prefetch(s - 1); // the buffer is free again: gathered while s is freed
            }
            if (r.leaf() != null) {
              next = r.leaf().getGradient();
              next.attach(manager);
            }
          }
          if (s == count - 1) {
            lossValue = r.loss().getFloat();
          }
          params.giveBack(s);
        }
      }
      seed = next;
    }
    if (seed != null) {
      seed.close();
    }
    params.dropPrefetch();
    return new Pass(lossValue, gathered);
  }

  /**
   * Runs segment {@code s} from {@code start} with gradients, in a manager of its own: its
   * parameters lent as leaves, its input a leaf too when a segment before it takes gradients, and
   * the last one's loss computed.
   */
  private Ran runWithGradients(
      int s, NDManager manager, NDList start, NDList labels, Loss loss, IntConsumer seedSegment) {
    NDManager m = manager.newSubManager();
    seedSegment.accept(s);
    params.lend(s, m, true);
    NDArray leaf = null;
    NDList in = start;
    if (s > 0 && segments.trainableUpTo(s - 1)) {
      leaf = start.singletonOrThrow().stopGradient();
      leaf.attach(m);
      leaf.setRequiresGradient(true);
      in = new NDList(leaf);
    } else {
      in.tempAttach(m); // back to its own manager when m closes
    }
    NDList out = forward(s, in);
    NDArray l = s == segments.count() - 1 ? loss.evaluate(labels, out) : null;
    return new Ran(m, leaf, out, l);
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
