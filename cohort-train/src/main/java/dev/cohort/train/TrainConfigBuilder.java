package dev.cohort.train;

import dev.cohort.train.compress.CompressionSpec;
import dev.cohort.train.data.DistributedSampler;
import java.nio.file.Path;

/**
 * Builds a {@link TrainConfig}, starting from the defaults ({@link TrainConfig#builder()}) or from
 * another configuration ({@link TrainConfig#toBuilder()}). Each setter names its default; {@link
 * #build()} validates, as the record's constructor does, and throws IllegalArgumentException naming
 * the offending value. Not thread-safe; a builder may build many configurations.
 */
public final class TrainConfigBuilder {
  private String model = TrainConfig.DEFAULT_MODEL;
  private int epochs = TrainConfig.DEFAULT_EPOCHS;
  private int batch = TrainConfig.DEFAULT_BATCH;
  private int accumulation = TrainConfig.DEFAULT_ACCUMULATION;
  private String optimizer = TrainConfig.DEFAULT_OPTIMIZER;
  private float learningRate = TrainConfig.DEFAULT_LEARNING_RATE;
  private float momentum = TrainConfig.DEFAULT_MOMENTUM;
  private boolean scaleLearningRate;
  private int warmupSteps = TrainConfig.DEFAULT_WARMUP_STEPS;
  private int seed = TrainConfig.DEFAULT_SEED;
  private long bucketBytes = TrainConfig.DEFAULT_BUCKET_BYTES;
  private boolean overlap = true;
  private int backwardSegments = TrainConfig.DEFAULT_BACKWARD_SEGMENTS;
  private int checkEvery = TrainConfig.DEFAULT_CHECK_EVERY;
  private DistributedSampler.Remainder remainder = TrainConfig.DEFAULT_REMAINDER;
  private BufferSync bufferSync = TrainConfig.DEFAULT_BUFFER_SYNC;
  private boolean syncBatchNorm;
  private int trainLimit;
  private int testLimit;
  private int maxSteps;
  private Path runDir;
  private boolean progress = true;
  private int checkpointEvery;
  private int keepCheckpoints = Checkpointing.DEFAULT_KEEP;
  private int pipelineStages = Pipelining.NONE.stages();
  private String schedule = Pipelining.NONE.schedule();
  private int microBatches = Pipelining.NONE.microBatches();
  private int virtualStages = Pipelining.NONE.virtualStages();
  private float clipGradNorm;
  private long memoryBudget;
  private String partition = Pipelining.BY_PARAMETERS;
  private LayerSplit split = LayerSplit.NONE;
  private int zero;
  private int localSgd;
  private CompressionSpec compression = CompressionSpec.NONE;
  private int generate = TrainConfig.DEFAULT_GENERATE;
  private Path resumeFrom;
  private boolean resumeOnlyIfPresent;

  TrainConfigBuilder() {}

  TrainConfigBuilder(TrainConfig c) {
    model = c.model();
    epochs = c.epochs();
    batch = c.batch();
    accumulation = c.accumulation();
    optimizer = c.optimizer();
    learningRate = c.learningRate();
    momentum = c.momentum();
    scaleLearningRate = c.scaleLearningRate();
    warmupSteps = c.warmupSteps();
    seed = c.seed();
    bucketBytes = c.bucketBytes();
    overlap = c.overlap();
    backwardSegments = c.backwardSegments();
    checkEvery = c.checkEvery();
    remainder = c.remainder();
    bufferSync = c.bufferSync();
    syncBatchNorm = c.syncBatchNorm();
    trainLimit = c.trainLimit();
    testLimit = c.testLimit();
    maxSteps = c.maxSteps();
    runDir = c.runDir();
    progress = c.progress();
    checkpointEvery = c.checkpointing().every();
    keepCheckpoints = c.checkpointing().keep();
    resumeFrom = c.checkpointing().resumeFrom();
    resumeOnlyIfPresent = c.checkpointing().onlyIfPresent();
    pipelineStages = c.pipelining().stages();
    schedule = c.pipelining().schedule();
    microBatches = c.pipelining().microBatches();
    virtualStages = c.pipelining().virtualStages();
    clipGradNorm = c.clipGradNorm();
    memoryBudget = c.memoryBudget();
    partition = c.pipelining().partition();
    split = c.split();
    zero = c.zero();
    localSgd = c.localSgd();
    compression = c.compression();
    generate = c.generate();
  }

  /**
   * The model's name; default "cnn". {@code cohort worker} trains the built-in model of that name;
   * a program that gives {@code DistributedTrainer} its own block names it here: the saved model is
   * {@code <name>-0000.params}, and checkpoints of another name are not resumed.
   */
  public TrainConfigBuilder model(String model) {
    this.model = model;
    return this;
  }

  /** Passes over the training data; default 1. */
  public TrainConfigBuilder epochs(int epochs) {
    this.epochs = epochs;
    return this;
  }

  /** Samples per worker per micro-batch; default 64. */
  public TrainConfigBuilder batch(int batch) {
    this.batch = batch;
    return this;
  }

  /** Micro-batches per optimizer step; default 1. */
  public TrainConfigBuilder accumulation(int accumulation) {
    this.accumulation = accumulation;
    return this;
  }

  /** "sgd" or "adam" (any case); default "adam". */
  public TrainConfigBuilder optimizer(String optimizer) {
    this.optimizer = optimizer;
    return this;
  }

  /** Base learning rate for one worker; default 0.001. */
  public TrainConfigBuilder learningRate(float learningRate) {
    this.learningRate = learningRate;
    return this;
  }

  /** SGD momentum in [0, 1); default 0. */
  public TrainConfigBuilder momentum(float momentum) {
    this.momentum = momentum;
    return this;
  }

  /** Multiply the rate by the number of workers (linear scaling rule); default off. */
  public TrainConfigBuilder scaleLearningRate(boolean scaleLearningRate) {
    this.scaleLearningRate = scaleLearningRate;
    return this;
  }

  /** Steps of linear learning-rate warm-up; default 0. */
  public TrainConfigBuilder warmupSteps(int warmupSteps) {
    this.warmupSteps = warmupSteps;
    return this;
  }

  /** Seeds initialization and the data order; default 42. */
  public TrainConfigBuilder seed(int seed) {
    this.seed = seed;
    return this;
  }

  /** Gradient bucket size in bytes, at least 1024; default 25,000,000. */
  public TrainConfigBuilder bucketBytes(long bucketBytes) {
    this.bucketBytes = bucketBytes;
    return this;
  }

  /** All-reduce a bucket while packing the next; default on. */
  public TrainConfigBuilder overlap(boolean overlap) {
    this.overlap = overlap;
    return this;
  }

  /**
   * Cut the model (a DJL SequentialBlock) into this many segments of its blocks, whose gradients
   * are all-reduced while the backward pass of the segments before them runs; default 1 (one
   * backward pass, then the all-reduce). Not with accumulation or SyncBatchNorm.
   */
  public TrainConfigBuilder backwardSegments(int backwardSegments) {
    this.backwardSegments = backwardSegments;
    return this;
  }

  /** Compare parameter checksums every this many steps (0: at the end only); default 0. */
  public TrainConfigBuilder checkEvery(int checkEvery) {
    this.checkEvery = checkEvery;
    return this;
  }

  /** The last incomplete global batch; default DROP. */
  public TrainConfigBuilder remainder(DistributedSampler.Remainder remainder) {
    this.remainder = remainder;
    return this;
  }

  /** How buffers (BatchNorm running statistics) stay identical on all ranks; default BROADCAST. */
  public TrainConfigBuilder bufferSync(BufferSync bufferSync) {
    this.bufferSync = bufferSync;
    return this;
  }

  /**
   * Replace the model's BatchNorm blocks by SyncBatchNorm (batch statistics over all ranks) before
   * training; default off.
   */
  public TrainConfigBuilder syncBatchNorm(boolean syncBatchNorm) {
    this.syncBatchNorm = syncBatchNorm;
    return this;
  }

  /** Use only the first this many training samples (0: all); default 0. */
  public TrainConfigBuilder trainLimit(int trainLimit) {
    this.trainLimit = trainLimit;
    return this;
  }

  /** Use only the first this many test samples (0: all); default 0. */
  public TrainConfigBuilder testLimit(int testLimit) {
    this.testLimit = testLimit;
    return this;
  }

  /** Stop after this many optimizer steps (0: no limit); default 0. */
  public TrainConfigBuilder maxSteps(int maxSteps) {
    this.maxSteps = maxSteps;
    return this;
  }

  /** Rank 0's run folder (null: no files); default null. */
  public TrainConfigBuilder runDir(Path runDir) {
    this.runDir = runDir;
    return this;
  }

  /** Draw a progress bar on rank 0; default on. */
  public TrainConfigBuilder progress(boolean progress) {
    this.progress = progress;
    return this;
  }

  /** Write a checkpoint every this many optimizer steps (0: never); default 0. */
  public TrainConfigBuilder checkpointEvery(int checkpointEvery) {
    this.checkpointEvery = checkpointEvery;
    return this;
  }

  /** Checkpoints to keep, at least 1; default {@value Checkpointing#DEFAULT_KEEP}. */
  public TrainConfigBuilder keepCheckpoints(int keepCheckpoints) {
    this.keepCheckpoints = keepCheckpoints;
    return this;
  }

  /**
   * A run folder whose newest valid checkpoint to continue from (null: start fresh); default null.
   */
  public TrainConfigBuilder resumeFrom(Path resumeFrom) {
    this.resumeFrom = resumeFrom;
    this.resumeOnlyIfPresent = false;
    return this;
  }

  /**
   * Continue from {@code runDir}'s newest checkpoint if it has one, else start fresh: what a
   * program started by {@code cohort run --max-restarts} does, since its restarts find their own
   * checkpoints in the same folder. Rank 0 looks at its disk and decides for every rank. Give each
   * new run a new folder ({@code cohort run} does): an old folder's checkpoints would be resumed.
   */
  public TrainConfigBuilder resumeFromLatest(Path runDir) {
    this.resumeFrom = runDir;
    this.resumeOnlyIfPresent = true;
    return this;
  }

  /** Ranks per pipeline (the language model only); default 1, no pipeline. */
  public TrainConfigBuilder pipeline(int stages) {
    this.pipelineStages = stages;
    return this;
  }

  /** The pipeline schedule: gpipe, 1f1b (default) or interleaved-1f1b. */
  public TrainConfigBuilder schedule(String schedule) {
    this.schedule = schedule;
    return this;
  }

  /** Micro-batches per pipeline per step; default 1. */
  public TrainConfigBuilder microBatches(int microBatches) {
    this.microBatches = microBatches;
    return this;
  }

  /** Stages per rank (interleaved 1F1B only); default 1. */
  public TrainConfigBuilder virtualStages(int virtualStages) {
    this.virtualStages = virtualStages;
    return this;
  }

  /** The largest gradient norm before each optimizer step; default 0, no clipping. */
  public TrainConfigBuilder clipGradNorm(float clipGradNorm) {
    this.clipGradNorm = clipGradNorm;
    return this;
  }

  /** The most bytes one worker may hold for training; default 0, no budget. */
  public TrainConfigBuilder memoryBudget(long memoryBudget) {
    this.memoryBudget = memoryBudget;
    return this;
  }

  /**
   * How the blocks are shared among the stages: params (default), time, or the blocks of each stage
   * such as "3,2,2".
   */
  public TrainConfigBuilder partition(String partition) {
    this.partition = partition;
    return this;
  }

  /** Characters the language model writes at the end; default 200. */
  public TrainConfigBuilder generate(int generate) {
    this.generate = generate;
    return this;
  }

  /** How each transformer layer is split over workers; default whole. */
  public TrainConfigBuilder split(LayerSplit split) {
    this.split = split;
    return this;
  }

  /**
   * The ZeRO stage: 0 (default), 1 (the optimizer's state sharded over the ranks), 2 (the gradients
   * too) or 3 (the parameters too). Stages 2 and 3 cut a DJL {@code SequentialBlock} into segments,
   * one per block unless {@link #backwardSegments} says how many.
   */
  public TrainConfigBuilder zero(int zero) {
    this.zero = zero;
    return this;
  }

  /**
   * Local SGD: every rank steps its optimizer on its own gradients, and the parameters (and
   * buffers) are averaged over the ranks every {@code steps} steps, and before every evaluation;
   * default 0 (gradients averaged every step).
   */
  public TrainConfigBuilder localSgd(int steps) {
    this.localSgd = steps;
    return this;
  }

  /**
   * What gradients travel as in the all-reduce: float32 ({@link CompressionSpec#NONE}, default),
   * fp16 or bf16 with float32 accumulation, PowerSGD or top-k with error feedback ({@link
   * dev.cohort.train.compress.CommHook}).
   */
  public TrainConfigBuilder compression(CompressionSpec compression) {
    this.compression = compression;
    return this;
  }

  /** The validated configuration. */
  public TrainConfig build() {
    return new TrainConfig(
        model,
        epochs,
        batch,
        accumulation,
        optimizer,
        learningRate,
        momentum,
        scaleLearningRate,
        warmupSteps,
        seed,
        bucketBytes,
        overlap,
        backwardSegments,
        checkEvery,
        remainder,
        bufferSync,
        syncBatchNorm,
        trainLimit,
        testLimit,
        maxSteps,
        runDir,
        progress,
        new Checkpointing(checkpointEvery, keepCheckpoints, resumeFrom, resumeOnlyIfPresent),
        new Pipelining(pipelineStages, schedule, microBatches, virtualStages, partition),
        clipGradNorm,
        generate,
        memoryBudget,
        split,
        zero,
        localSgd,
        compression);
  }
}
