package dev.cohort.train.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.Work;
import dev.cohort.train.data.TensorViews;
import dev.cohort.train.pipeline.schedule.StageLayout;
import java.nio.ByteBuffer;

/**
 * Activations and gradients between the ranks of one pipeline, straight from and into libtorch's
 * memory: a send posts a view of the tensor (keep it alive until the send is done), a receive fills
 * a new tensor of the shape the stage expects. Each direction between two ranks has its own group
 * ({@link PipelineChannels}); messages on it are matched in order, and each carries its sending
 * stage, direction and micro-batch as its tag, which the receiver checks.
 */
final class StageTransfers {
  private final PipelineChannels channels;
  private final StageLayout layout;
  private final StagedModel model;
  private final int microBatches;

  StageTransfers(
      PipelineChannels channels, StageLayout layout, StagedModel model, int microBatches) {
    this.channels = channels;
    this.layout = layout;
    this.model = model;
    this.microBatches = microBatches;
  }

  /**
   * Posts {@code x}, {@code stage}'s output ({@code gradient} false, to the next stage) or the
   * gradient of its input (to the previous stage).
   *
   * @throws IllegalStateException if {@code x} is not what the receiving stage expects
   */
  Work send(NDArray x, int stage, int microBatch, boolean gradient) {
    Shape expected =
        StagedModel.withRows(
            gradient ? model.inputShape(stage) : model.outputShape(stage), x.getShape().get(0));
    if (!x.getShape().equals(expected) || x.getDataType() != DataType.FLOAT32) {
      throw new IllegalStateException(
          (gradient ? "the input gradient" : "the activation")
              + " is "
              + x.getDataType()
              + " "
              + x.getShape()
              + " where the "
              + (gradient ? "previous" : "next")
              + " stage expects float32 "
              + expected);
    }
    ByteBuffer view = TensorViews.view(x, "stage " + stage + "'s " + what(gradient));
    int peer = layout.rankOf(gradient ? stage - 1 : stage + 1);
    return channels
        .to(peer)
        .sendAsync(tensor(view, x), channels.rankOf(peer), tag(stage, microBatch, gradient));
  }

  /**
   * Receives, into a new tensor of {@code manager}, stage {@code stage}'s input ({@code gradient}
   * false, from the previous stage) or the gradient of its output (from the next stage), for a
   * micro-batch of the training's size.
   */
  NDArray receive(NDManager manager, int stage, int microBatch, boolean gradient) {
    long rows = model.inputShape(0).get(0);
    return receive(manager, stage, microBatch, gradient, rows);
  }

  /** As {@link #receive(NDManager, int, int, boolean)}, for {@code rows} samples. */
  NDArray receive(NDManager manager, int stage, int microBatch, boolean gradient, long rows) {
    int from = gradient ? stage + 1 : stage - 1;
    NDArray x =
        manager.zeros(
            StagedModel.withRows(
                gradient ? model.outputShape(stage) : model.inputShape(stage), rows));
    ByteBuffer view = TensorViews.view(x, "stage " + stage + "'s received " + what(gradient));
    int peer = layout.rankOf(from);
    channels
        .from(peer)
        .recv(tensor(view, x), channels.rankOf(peer), tag(from, microBatch, gradient));
    return x;
  }

  private static String what(boolean gradient) {
    return gradient ? "gradient" : "activation";
  }

  private static Tensor tensor(ByteBuffer view, NDArray x) {
    return Tensor.of(view, dev.cohort.comm.DataType.FLOAT32, Math.toIntExact(x.size()));
  }

  /** Unique per sending stage, direction and micro-batch. */
  private int tag(int senderStage, int microBatch, boolean gradient) {
    return (senderStage * 2 + (gradient ? 1 : 0)) * microBatches + microBatch;
  }
}
