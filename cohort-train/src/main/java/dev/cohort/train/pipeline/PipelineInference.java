package dev.cohort.train.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.Work;
import dev.cohort.train.pipeline.schedule.StageLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Forward passes through a trained pipeline, no gradients: the validation loss and next-token
 * accuracy of a set of micro-batches, and text generated one token at a time. Each micro-batch goes
 * through the stages in order, sends posted, so ranks cannot wait on each other in a cycle.
 * Collective over the pipeline (and, for evaluation, over the pipelines).
 */
public final class PipelineInference {
  /**
   * Totals of an evaluation over every pipeline's micro-batches.
   *
   * @param loss mean loss per token
   * @param accuracy share of tokens whose most likely prediction was right
   * @param tokens tokens evaluated
   */
  public record Evaluation(double loss, double accuracy, long tokens) {
    /** e to the loss: the model is as unsure as a uniform choice among this many tokens. */
    public double perplexity() {
      return Math.exp(loss);
    }
  }

  private final PipelineGroups groups;
  private final ProcessGroup pg;
  private final StageLayout layout;
  private final StagedModel model;
  private final StageTransfers transfers;
  private final Loss loss;
  private final NDManager manager;

  PipelineInference(
      PipelineGroups groups,
      StageLayout layout,
      StagedModel model,
      StageTransfers transfers,
      Loss loss,
      NDManager manager) {
    this.groups = groups;
    this.pg = groups.pipeline();
    this.layout = layout;
    this.model = model;
    this.transfers = transfers;
    this.loss = loss;
    this.manager = manager;
  }

  /** Loss and accuracy over these micro-batches (at most as many as a training step has). */
  public Evaluation evaluate(PipelineRank.MicroBatches batches) {
    double[] totals = new double[3]; // loss x tokens, right, tokens
    try (NDManager m = manager.newSubManager()) {
      for (int k = 0; k < batches.inputs().size(); k++) {
        NDArray logits = forward(m, batches.inputs().get(k), k);
        if (logits != null) {
          NDArray target = batches.targets().get(k);
          long tokens = target.size();
          totals[0] += loss.evaluate(new NDList(target), new NDList(logits)).getFloat() * tokens;
          totals[1] +=
              logits
                  .argMax(-1)
                  .toType(target.getDataType(), false)
                  .eq(target)
                  .sum()
                  .toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                  .getFloat();
          totals[2] += tokens;
        }
      }
    }
    float[] all =
        groups.fromRank(
            layout.rankOf(layout.lastStage()),
            new float[] {(float) totals[0], (float) totals[1], (float) totals[2]},
            ReduceOp.SUM);
    double tokens = all[2];
    return new Evaluation(all[0] / tokens, all[1] / tokens, (long) tokens);
  }

  /**
   * Continues {@code prompt} by {@code count} tokens, each sampled from the model's next-token
   * distribution at {@code temperature} with a generator seeded by {@code seed}. The context is the
   * last {@code context} tokens, padded on the left with token 0; one sequence goes through the
   * stages per token.
   *
   * @return the new tokens, the same on every rank
   */
  public int[] generate(int[] prompt, int count, float temperature, long seed) {
    Shape in = StagedModel.withRows(model.inputShape(0), 1);
    int context = (int) in.get(1);
    int[] text = new int[prompt.length + count];
    System.arraycopy(prompt, 0, text, 0, prompt.length);
    Random random = new Random(seed);
    for (int n = prompt.length; n < text.length; n++) {
      float[] window = window(text, n, context);
      Tensor next = Tensor.allocate(dev.cohort.comm.DataType.FLOAT32, 1);
      try (NDManager m = manager.newSubManager()) {
        NDArray logits = forward(m, m.create(window, in), 0);
        if (logits != null) {
          float[] last = logits.get("0, " + (context - 1) + ", :").toFloatArray();
          next.bytes().putFloat(0, sample(last, temperature, random));
        }
      }
      pg.broadcast(next, layout.rankOf(layout.lastStage()));
      text[n] = (int) next.bytes().getFloat(0);
    }
    int[] out = new int[count];
    System.arraycopy(text, prompt.length, out, 0, count);
    return out;
  }

  /** One micro-batch through this rank's stages; the logits on the last stage's rank, else null. */
  private NDArray forward(NDManager m, NDArray tokens, int microBatch) {
    ParameterStore store = new ParameterStore(m, false);
    List<Work> sends = new ArrayList<>();
    NDArray x = null;
    NDArray logits = null;
    for (int s : layout.stagesOf(pg.rank())) {
      if (s == 0) {
        x = tokens;
      } else if (layout.rankOf(s - 1) != pg.rank()) {
        x = transfers.receive(m, s, microBatch, false, tokens.getShape().get(0));
      } // else: x is the previous stage's output, on this rank
      x = model.forward(s, store, new NDList(x), false).singletonOrThrow();
      if (s == layout.lastStage()) {
        logits = x;
      } else if (layout.rankOf(s + 1) != pg.rank()) {
        sends.add(transfers.send(x, s, microBatch, false));
      }
    }
    for (Work w : sends) {
      w.await();
    }
    return logits;
  }

  /**
   * The {@code context} tokens of {@code text} before position {@code n}, as the model's input,
   * padded on the left with token 0.
   */
  public static float[] window(int[] text, int n, int context) {
    float[] window = new float[context];
    for (int j = 0; j < context; j++) {
      int at = n - context + j;
      window[j] = at >= 0 ? text[at] : 0;
    }
    return window;
  }

  /** A token drawn from {@code logits} softened by {@code temperature}. */
  public static int sample(float[] logits, float temperature, Random random) {
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) {
      max = Math.max(max, l);
    }
    double[] p = new double[logits.length];
    double sum = 0;
    for (int i = 0; i < p.length; i++) {
      p[i] = Math.exp((logits[i] - max) / temperature);
      sum += p[i];
    }
    double u = random.nextDouble() * sum;
    for (int i = 0; i < p.length; i++) {
      u -= p[i];
      if (u <= 0) {
        return i;
      }
    }
    return p.length - 1;
  }
}
