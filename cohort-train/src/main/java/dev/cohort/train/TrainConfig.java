package dev.cohort.train;

import dev.cohort.train.compress.CompressionSpec;
import dev.cohort.train.data.DistributedSampler;
import dev.cohort.train.model.Models;
import dev.cohort.train.pipeline.PipelineMemory;
import dev.cohort.train.pipeline.StagePartition;
import dev.cohort.train.pipeline.schedule.Schedules;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Everything one training run needs, validated once. Batches are per worker, as in PyTorch DDP: the
 * global batch is {@code batch x workers x accumulation}. Build one with {@link #builder()}, which
 * starts from the {@code DEFAULT_*} values below: the one source of defaults, which the command
 * line's options use too.
 *
 * @param model the model's name: the built-in model {@code cohort worker} trains ("mlp", "cnn",
 *     "cnn-bn", "mlp-dropout", "mlp-wide"), or any name for a model of one's own; names the saved
 *     model file
 * @param epochs passes over the training data
 * @param batch samples per worker per micro-batch
 * @param accumulation micro-batches per optimizer step (one all-reduce per step)
 * @param optimizer "sgd" or "adam"
 * @param learningRate base learning rate (for one worker)
 * @param momentum SGD momentum (0 for plain SGD)
 * @param scaleLearningRate multiply the rate by the number of workers (linear scaling rule)
 * @param warmupSteps ramp the rate up linearly over this many steps (0: none)
 * @param seed seeds initialization and the data order
 * @param bucketBytes gradient bucket size in bytes ({@code cohort train --bucket-mb 25} means
 *     25,000,000 bytes: a megabyte is 10^6 bytes here)
 * @param overlap all-reduce a bucket while packing the next
 * @param backwardSegments cut a sequential model into this many segments whose gradients are
 *     all-reduced while the backward pass of the segments before them runs (1: one backward pass,
 *     then the all-reduce); not with accumulation or SyncBatchNorm
 * @param checkEvery compare parameter checksums across ranks every this many steps (0: at the end
 *     only)
 * @param remainder what to do with the last incomplete global batch
 * @param bufferSync how buffers (BatchNorm running statistics, any tensor that takes no gradient)
 *     stay identical on all ranks
 * @param syncBatchNorm replace the model's BatchNorm blocks by {@code SyncBatchNorm} before
 *     training
 * @param trainLimit use only the first this many training samples (0: all)
 * @param testLimit use only the first this many test samples (0: all)
 * @param maxSteps stop after this many optimizer steps (0: no limit)
 * @param runDir where config.json, summary.json and metrics.csv go (null: nowhere)
 * @param progress draw a progress bar on rank 0
 * @param checkpointing checkpoint interval, retention and resume source
 * @param pipelining pipeline stages, schedule and micro-batches (the language model only)
 * @param clipGradNorm the largest norm of the whole model's averaged gradient; a longer one is
 *     scaled down to it before each optimizer step (0: no clipping)
 * @param generate characters the language model writes at the end of a run (0: none)
 * @param memoryBudget the most bytes of parameters, gradients, optimizer state, activations and
 *     transfer buffers one worker may hold (0: no budget); a plan that needs more is refused before
 *     training, with the plans that fit (data parallelism: the ZeRO stages, without activations)
 * @param split each transformer layer split over workers: tensor parallelism or a mixture of
 *     experts (the language model only; {@link LayerSplit#NONE}: whole)
 * @param zero the ZeRO stage of data parallelism: 0 (every rank holds everything), 1 (the
 *     optimizer's state sharded over the ranks), 2 (the gradients too) or 3 (the parameters too)
 * @param localSgd local SGD: every rank steps on its own gradients, and the parameters are averaged
 *     over the ranks every this many steps (0: gradients averaged every step)
 * @param compression what gradients travel as in data parallelism's all-reduce ({@link
 *     CompressionSpec#NONE}: float32, the plain all-reduce)
 */
public record TrainConfig(
    String model,
    int epochs,
    int batch,
    int accumulation,
    String optimizer,
    float learningRate,
    float momentum,
    boolean scaleLearningRate,
    int warmupSteps,
    int seed,
    long bucketBytes,
    boolean overlap,
    int backwardSegments,
    int checkEvery,
    DistributedSampler.Remainder remainder,
    BufferSync bufferSync,
    boolean syncBatchNorm,
    int trainLimit,
    int testLimit,
    int maxSteps,
    Path runDir,
    boolean progress,
    Checkpointing checkpointing,
    Pipelining pipelining,
    float clipGradNorm,
    int generate,
    long memoryBudget,
    LayerSplit split,
    int zero,
    int localSgd,
    CompressionSpec compression) {

  public static final String DEFAULT_MODEL = "cnn";
  public static final int DEFAULT_EPOCHS = 1;

  /** Samples per worker per micro-batch. */
  public static final int DEFAULT_BATCH = 64;

  public static final int DEFAULT_ACCUMULATION = 1;
  public static final String DEFAULT_OPTIMIZER = "adam";
  public static final float DEFAULT_LEARNING_RATE = 0.001f;
  public static final float DEFAULT_MOMENTUM = 0f;
  public static final int DEFAULT_WARMUP_STEPS = 0;
  public static final int DEFAULT_SEED = 42;

  /** Characters the language model writes at the end of a run. */
  public static final int DEFAULT_GENERATE = 200;

  /** 25 MB as the command line counts it: 25 x 10^6 bytes, not 25 MiB. */
  public static final long DEFAULT_BUCKET_BYTES = 25_000_000L;

  /** One backward pass, then the gradients' all-reduce. */
  public static final int DEFAULT_BACKWARD_SEGMENTS = 1;

  /** Compare parameter checksums at the end only. */
  public static final int DEFAULT_CHECK_EVERY = 0;

  public static final DistributedSampler.Remainder DEFAULT_REMAINDER =
      DistributedSampler.Remainder.DROP;

  /** Rank 0's buffers are broadcast after every step, as PyTorch DDP does. */
  public static final BufferSync DEFAULT_BUFFER_SYNC = BufferSync.BROADCAST;

  public TrainConfig {
    require(epochs >= 1, "epochs must be >= 1, got " + epochs);
    require(batch >= 1, "batch must be >= 1, got " + batch);
    require(accumulation >= 1, "accumulation must be >= 1, got " + accumulation);
    optimizer = optimizer.toLowerCase(Locale.ROOT);
    require(
        optimizer.equals("sgd") || optimizer.equals("adam"),
        "optimizer must be sgd or adam, got " + optimizer);
    require(learningRate > 0 && Float.isFinite(learningRate), "learning rate must be > 0");
    require(momentum >= 0 && momentum < 1, "momentum must be in [0, 1)");
    require(warmupSteps >= 0, "warmup steps must be >= 0");
    require(bucketBytes >= 1024, "bucket size must be at least 1 KiB, got " + bucketBytes);
    require(backwardSegments >= 1, "backward segments must be >= 1, got " + backwardSegments);
    require(
        backwardSegments == 1 || accumulation == 1,
        "backward segments "
            + backwardSegments
            + " cannot be combined with accumulation "
            + accumulation
            + ": use one or the other");
    require(
        backwardSegments == 1 || !syncBatchNorm,
        "backward segments "
            + backwardSegments
            + " cannot be combined with SyncBatchNorm, whose cross-rank corrections need the whole"
            + " backward graph: use one or the other");
    require(checkEvery >= 0, "check-every must be >= 0");
    require(trainLimit >= 0 && testLimit >= 0 && maxSteps >= 0, "limits must be >= 0");
    require(model != null && !model.isBlank(), "the model needs a name");
    require(remainder != null, "remainder must be set");
    if (bufferSync == null) {
      bufferSync = DEFAULT_BUFFER_SYNC;
    }
    if (checkpointing == null) {
      checkpointing = Checkpointing.NONE;
    }
    if (!(clipGradNorm >= 0)) {
      throw new IllegalArgumentException("--clip-grad-norm must be >= 0, got " + clipGradNorm);
    }
    if (pipelining == null) {
      pipelining = Pipelining.NONE;
    }
    if (split == null) {
      split = LayerSplit.NONE;
    }
    if (compression == null) {
      compression = CompressionSpec.NONE;
    }
    new DataParallelRules(
            zero,
            Models.isLanguageModel(model),
            backwardSegments,
            bucketBytes != DEFAULT_BUCKET_BYTES || !overlap,
            !overlap,
            optimizer.equals("sgd") && momentum == 0,
            accumulation,
            syncBatchNorm,
            checkEvery,
            localSgd,
            compression)
        .refuseUnsupported();
    if (generate < 0) {
      throw new IllegalArgumentException("--generate must be >= 0, got " + generate);
    }
    if (memoryBudget < 0) {
      throw new IllegalArgumentException("--memory-budget must be >= 0, got " + memoryBudget);
    }
    if (Models.isLanguageModel(model)) {
      List<String> unsupported = new ArrayList<>();
      add(unsupported, accumulation != 1, "--accumulation (use --micro-batches)");
      add(unsupported, backwardSegments != 1, "--backward-segments");
      add(unsupported, syncBatchNorm, "--sync-bn (it has no BatchNorm)");
      add(unsupported, scaleLearningRate, "--scale-lr");
      add(unsupported, checkEvery != DEFAULT_CHECK_EVERY, "--check-every");
      add(unsupported, bucketBytes != DEFAULT_BUCKET_BYTES, "--bucket-mb");
      add(unsupported, !overlap, "--no-overlap");
      add(unsupported, remainder != DEFAULT_REMAINDER, "--remainder");
      add(unsupported, bufferSync != DEFAULT_BUFFER_SYNC, "--buffer-sync");
      if (!unsupported.isEmpty()) {
        throw new IllegalArgumentException(
            "the language model does not take " + String.join(", ", unsupported));
      }
      if (split.active()) {
        refuseWithSplit(pipelining, clipGradNorm, memoryBudget, checkpointing);
      }
      int stages = pipelining.stages() * pipelining.virtualStages();
      int blocks = Models.gptConfig(model).blockParameters().length;
      if (stages > blocks) {
        throw new IllegalArgumentException(
            "--pipeline x --virtual-stages makes "
                + stages
                + " stages, but "
                + model
                + " has "
                + blocks
                + " blocks to share among them: use at most "
                + blocks);
      }
      StagePartition.planned(pipelining, Models.gptConfig(model).blockParameters());
      Schedules.byName( // an interleaved schedule needs m a multiple of p: refused here, not later
          pipelining.schedule(),
          pipelining.stages(),
          pipelining.virtualStages(),
          pipelining.microBatches());
      if (memoryBudget > 0) {
        new PipelineMemory(model, Models.gptConfig(model), pipelining, batch, optimizer, momentum)
            .refusal(memoryBudget)
            .ifPresent(
                why -> {
                  throw new IllegalArgumentException(why);
                });
      }
    } else if (generate != DEFAULT_GENERATE) {
      throw new IllegalArgumentException(
          "--generate is for the language model (--model gpt, gpt-tiny or "
              + Models.SIZED_GPT_NAMES
              + "); got "
              + model);
    } else if (split.active()) {
      throw new IllegalArgumentException(
          "--tensor and --experts split the language model's layers: use --model gpt, gpt-tiny or "
              + Models.SIZED_GPT_NAMES
              + " (got "
              + model
              + ")");
    } else if (!pipelining.equals(Pipelining.NONE)) {
      throw new IllegalArgumentException(
          "--pipeline, --schedule, --micro-batches, --virtual-stages and --partition are for the"
              + " language model: use --model gpt or gpt-tiny (got "
              + model
              + ")");
    }
  }

  /** What split layers do not train with yet, refused by name. */
  private static void refuseWithSplit(
      Pipelining pipelining, float clipGradNorm, long memoryBudget, Checkpointing checkpointing) {
    List<String> unsupported = new ArrayList<>();
    add(unsupported, !pipelining.equals(Pipelining.NONE), "pipelines (--pipeline and its options)");
    add(unsupported, clipGradNorm > 0, "--clip-grad-norm");
    add(unsupported, memoryBudget > 0, "--memory-budget");
    add(
        unsupported,
        checkpointing.every() > 0 || checkpointing.resumeFrom() != null,
        "checkpoints (--checkpoint-every, --resume)");
    if (!unsupported.isEmpty()) {
      throw new IllegalArgumentException(
          "--tensor and --experts do not train with "
              + String.join(", ", unsupported)
              + " yet: leave them out");
    }
  }

  private static void add(List<String> list, boolean when, String what) {
    if (when) {
      list.add(what);
    }
  }

  /**
   * The defaults: the quickstart's CNN run, and what {@code cohort train} and {@code cohort worker}
   * use for an option left out.
   */
  public static TrainConfig defaults() {
    return builder().build();
  }

  /** A builder starting from the defaults ({@code DEFAULT_*}). */
  public static TrainConfigBuilder builder() {
    return new TrainConfigBuilder();
  }

  /** A builder starting from this configuration. */
  public TrainConfigBuilder toBuilder() {
    return new TrainConfigBuilder(this);
  }

  /** Floats of optimizer state per parameter: Adam's 2 moments, SGD's momentum, or none. */
  public int optimizerStateFloatsPerParameter() {
    return optimizer.equals("adam") ? 2 : momentum > 0 ? 1 : 0;
  }

  /**
   * The learning rate of step {@code step} (from 0): a linear warm-up over {@code --warmup} steps.
   */
  public float learningRateAt(int step) {
    return step < warmupSteps ? learningRate * (step + 1) / warmupSteps : learningRate;
  }

  public float effectiveLearningRate(int workers) {
    return scaleLearningRate ? learningRate * workers : learningRate;
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
