package dev.cohort.train.model.gpt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;

/**
 * Next-token cross-entropy averaged over every position of every sequence: logits {@code (batch,
 * time, vocabulary)} against target tokens {@code (batch, time)}.
 */
public final class SequenceLoss extends Loss {
  private final SoftmaxCrossEntropyLoss perToken = new SoftmaxCrossEntropyLoss("token-loss");

  public SequenceLoss() {
    super("sequence-loss");
  }

  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray logits = predictions.singletonOrThrow();
    long vocabulary = logits.getShape().get(logits.getShape().dimension() - 1);
    return perToken.evaluate(
        new NDList(labels.singletonOrThrow().reshape(-1)),
        new NDList(logits.reshape(-1, vocabulary)));
  }
}
