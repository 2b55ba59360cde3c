package dev.cohort.train;

/**
 * What each ZeRO stage trains with, and what it refuses by name.
 *
 * @param zero the stage asked for
 * @param languageModel whether the model is the GPT (which trains with its own parallelism)
 * @param backwardSegments {@code --backward-segments}
 * @param buckets whether bucket options were given ({@code --bucket-mb}, {@code --no-overlap})
 * @param statelessOptimizer plain SGD, which keeps no state to shard
 * @param accumulation micro-batches per step ({@code --accumulation})
 * @param syncBatchNorm whether BatchNorm is synchronized across workers ({@code --sync-bn})
 * @param checkEvery steps between cross-worker checks of the parameters ({@code --check-every})
 */
record ZeroRules(
    int zero,
    boolean languageModel,
    int backwardSegments,
    boolean buckets,
    boolean statelessOptimizer,
    int accumulation,
    boolean syncBatchNorm,
    int checkEvery) {

  /**
   * @throws IllegalArgumentException naming the option that does not go with the stage
   */
  void refuseUnsupported() {
    if (zero < 0 || zero > 3) {
      throw new IllegalArgumentException("--zero must be 0, 1, 2 or 3, got " + zero);
    }
    if (zero == 0) {
      return;
    }
    if (languageModel) {
      throw new IllegalArgumentException(
          "--zero is for data parallelism of --model mlp, cnn, ...: the language model trains"
              + " with --pipeline, --tensor or --experts");
    }
    String stage = "--zero " + zero;
    if (buckets) {
      throw new IllegalArgumentException(
          stage
              + " reduce-scatters "
              + (zero == 1 ? "one flat vector" : "one segment at a time")
              + ", not buckets: leave out --bucket-mb and --no-overlap");
    }
    if (zero == 1) {
      refuse(
          statelessOptimizer,
          "--zero 1 shards the optimizer's state, and plain SGD keeps none: use --optimizer adam,"
              + " or --momentum, or --zero 2, or leave out --zero");
      refuse(
          backwardSegments > 1,
          "--zero 1 reduce-scatters all gradients after the backward pass: leave out"
              + " --backward-segments, or use --zero 2");
      return;
    }
    refuse(
        accumulation > 1,
        stage
            + " reduce-scatters each segment's gradients as the backward pass finishes them, once"
            + " per step: leave out --accumulation (use a larger --batch), or use --zero 1");
    refuse(
        syncBatchNorm,
        stage
            + " runs the backward pass segment by segment, and SyncBatchNorm's corrections need"
            + " the whole graph: leave out --sync-bn");
    refuse(
        zero == 3 && checkEvery > 0,
        "--check-every compares the parameters across workers, and with --zero 3 no two hold the"
            + " same: leave out --check-every (the end of training still checks the whole model)");
  }

  private static void refuse(boolean unsupported, String why) {
    if (unsupported) {
      throw new IllegalArgumentException(why);
    }
  }
}
