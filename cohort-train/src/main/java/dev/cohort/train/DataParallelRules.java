package dev.cohort.train;

import dev.cohort.train.compress.CompressionSpec;

/**
 * What data parallelism's ways to save memory and communication (the ZeRO stages, local SGD,
 * compressed gradients) train with, and what each refuses by name.
 *
 * @param zero the stage asked for
 * @param languageModel whether the model is the GPT (which trains with its own parallelism)
 * @param backwardSegments {@code --backward-segments}
 * @param buckets whether bucket options were given ({@code --bucket-mb}, {@code --no-overlap})
 * @param noOverlap {@code --no-overlap}
 * @param statelessOptimizer plain SGD, which keeps no state to shard
 * @param accumulation micro-batches per step ({@code --accumulation})
 * @param syncBatchNorm whether BatchNorm is synchronized across workers ({@code --sync-bn})
 * @param checkEvery steps between cross-worker checks of the parameters ({@code --check-every})
 * @param localSgd steps between local SGD's averagings ({@code --local-sgd}; 0: none)
 * @param compression what gradients travel as ({@code --compress})
 */
record DataParallelRules(
    int zero,
    boolean languageModel,
    int backwardSegments,
    boolean buckets,
    boolean noOverlap,
    boolean statelessOptimizer,
    int accumulation,
    boolean syncBatchNorm,
    int checkEvery,
    int localSgd,
    CompressionSpec compression) {

  /** How refusals name what these ways train: anything but the language model. */
  private static final String DATA_PARALLEL =
      " is for data parallelism of the image models and your own: the language model trains with"
          + " --pipeline, --tensor or --experts";

  /**
   * @throws IllegalArgumentException naming the option that does not go with the stage
   */
  void refuseUnsupported() {
    zeroRules();
    localSgdRules();
    compressionRules();
  }

  private void zeroRules() {
    if (zero < 0 || zero > 3) {
      throw new IllegalArgumentException("--zero must be 0, 1, 2 or 3, got " + zero);
    }
    if (zero == 0) {
      return;
    }
    refuse(languageModel, "--zero" + DATA_PARALLEL);
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

  private void localSgdRules() {
    if (localSgd < 0) {
      throw new IllegalArgumentException("--local-sgd must be >= 0, got " + localSgd);
    }
    if (localSgd == 0) {
      return;
    }
    String way = "--local-sgd " + localSgd;
    refuse(languageModel, way + DATA_PARALLEL);
    refuse(zero != 0, way + " averages whole parameters: leave out --zero");
    refuse(
        backwardSegments > 1 || noOverlap,
        way
            + " averages the parameters between steps, with no gradients to overlap with the"
            + " backward pass: leave out --backward-segments and --no-overlap");
    refuse(
        syncBatchNorm,
        way
            + ": SyncBatchNorm communicates every step, which local SGD avoids; leave out --sync-bn");
    refuse(
        checkEvery > 0,
        way
            + ": the workers' parameters differ between averagings, so --check-every cannot"
            + " compare them; leave it out (the end of training still checks)");
  }

  private void compressionRules() {
    if (compression.none()) {
      return;
    }
    String way = "--compress " + compression.label();
    refuse(languageModel, way + DATA_PARALLEL);
    refuse(zero != 0, way + " compresses the all-reduce of gradients: leave out --zero");
    refuse(localSgd != 0, way + " compresses the all-reduce of gradients: leave out --local-sgd");
    refuse(
        backwardSegments > 1 || noOverlap,
        way
            + " averages each bucket on the training thread, with nothing to overlap: leave out"
            + " --backward-segments and --no-overlap");
  }

  private static void refuse(boolean unsupported, String why) {
    if (unsupported) {
      throw new IllegalArgumentException(why);
    }
  }
}
