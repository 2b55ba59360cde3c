package dev.cohort.train.split;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cohort.comm.ReduceOp;
import dev.cohort.train.data.text.TokenWindows;
import dev.cohort.train.moe.MoeFeedForward;
import dev.cohort.train.pipeline.PipelineInference;
import dev.cohort.train.tensor.SplitGpt;
import dev.cohort.train.tensor.TensorParallelLayer;
import java.util.Random;

/**
 * A split model's evaluation and generated text. Every rank of a tensor or expert group must run
 * the same forwards with batches of the same shape (their collectives exchange fixed sizes), so an
 * evaluation deals the text to the replicas in chunks of {@code rows} windows, pads the last chunk
 * with window 0 and leaves the padding out of the sums; a replica with no chunk left in a round
 * runs a padding chunk. Collective over the world. With top-2 experts the padding's first choices
 * are seated before the real windows' second choices, so a padded chunk may drop a few more of them
 * than the same windows alone would.
 */
final class SplitEvaluation {
  private final SplitGroups groups;
  private final SplitGpt gpt;
  private final NDManager manager;
  private final int rows;
  private final int context;

  SplitEvaluation(SplitGroups groups, SplitGpt gpt, NDManager manager, int rows, int context) {
    this.groups = groups;
    this.gpt = gpt;
    this.manager = manager;
    this.rows = rows;
    this.context = context;
  }

  /** Every window of {@code text} once: mean loss per character and next-character accuracy. */
  PipelineInference.Evaluation evaluate(TokenWindows text) {
    int replicas = groups.dataReplicas();
    int chunks = (text.size() + rows - 1) / rows;
    int rounds = (chunks + replicas - 1) / replicas;
    // A tensor group's ranks see the same chunk: only its first rank counts it.
    boolean counts = !groups.tensor() || groups.world().rank() % groups.size() == 0;
    double[] sums = new double[3]; // loss, right, tokens
    for (int round = 0; round < rounds; round++) {
      int first = (round * replicas + groups.dataReplica()) * rows;
      int count = Math.max(0, Math.min(rows, text.size() - first));
      int[] windows = new int[rows];
      for (int i = 0; i < rows; i++) {
        windows[i] = i < count ? first + i : 0;
      }
      try (NDManager m = manager.newSubManager()) {
        NDList xy = text.batch(m, windows);
        float[] logits = gpt.logits(m, xy.get(0)).toFloatArray();
        float[] targets = xy.get(1).toFloatArray();
        if (counts) {
          add(sums, logits, targets, count);
        }
      }
    }
    groups.world().allReduce(sums, ReduceOp.SUM);
    forgetRouting();
    return new PipelineInference.Evaluation(sums[0] / sums[2], sums[1] / sums[2], (long) sums[2]);
  }

  /** The first {@code count} windows' negative log-likelihoods and right guesses. */
  private void add(double[] sums, float[] logits, float[] targets, int count) {
    int vocabulary = logits.length / targets.length;
    for (int p = 0; p < count * context; p++) {
      int from = p * vocabulary;
      int best = 0;
      double max = Double.NEGATIVE_INFINITY;
      for (int v = 0; v < vocabulary; v++) {
        if (logits[from + v] > max) {
          max = logits[from + v];
          best = v;
        }
      }
      double sum = 0;
      for (int v = 0; v < vocabulary; v++) {
        sum += Math.exp(logits[from + v] - max);
      }
      int target = (int) targets[p];
      sums[0] += max + Math.log(sum) - logits[from + target];
      sums[1] += best == target ? 1 : 0;
      sums[2] += 1;
    }
  }

  /**
   * {@code count} characters after {@code prompt}, each drawn at {@code temperature} from the
   * model's prediction for the last {@code context} characters (zeros before the text); every rank
   * draws alike from the same seed.
   */
  int[] generate(int[] prompt, int count, float temperature, long seed) {
    int[] text = new int[prompt.length + count];
    System.arraycopy(prompt, 0, text, 0, prompt.length);
    Random random = new Random(seed);
    for (int n = prompt.length; n < text.length; n++) {
      float[] window = PipelineInference.window(text, n, context);
      try (NDManager m = manager.newSubManager()) {
        // One row: every rank draws the same text, so the groups' exchanges match in size.
        float[] last =
            gpt.logits(m, m.create(window, new Shape(1, context)))
                .get("0, " + (context - 1) + ", :")
                .toFloatArray();
        text[n] = PipelineInference.sample(last, temperature, random);
      }
    }
    forgetRouting();
    return java.util.Arrays.copyOfRange(text, prompt.length, text.length);
  }

  /**
   * A mixture of experts' routing in these forwards is not training's: the step records skip it.
   */
  private void forgetRouting() {
    for (TensorParallelLayer layer : gpt.layers()) {
      if (layer.feedForward() instanceof MoeFeedForward moe) {
        moe.drainLoad();
      }
    }
  }
}
