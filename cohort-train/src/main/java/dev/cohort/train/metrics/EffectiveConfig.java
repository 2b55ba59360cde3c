package dev.cohort.train.metrics;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.cohort.train.LayerSplit;
import dev.cohort.train.Pipelining;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.memory.ByteSize;
import dev.cohort.train.model.Models;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A run's effective configuration as rank 0 prints it at the start and writes it: the whole of
 * {@value #FILE}, and the {@code config} object of summary.json (which leaves out the two layout
 * fields). JSON names are the components' names in snake_case ({@code batch_per_worker}).
 *
 * @param globalBatch samples per optimizer step over all workers
 * @param effectiveLearningRate the learning rate after the linear scaling rule, if asked for
 * @param data what was trained on (e.g. "Fashion-MNIST training set in /usr/share/...")
 * @param bufferSync "broadcast" or "average": how buffers stay identical on all ranks
 * @param backwardSegments segments of the backward pass whose gradients are all-reduced while the
 *     earlier ones run (1: one backward pass, then the all-reduce; 0 in files of older versions)
 * @param syncBatchNorm whether BatchNorm blocks were replaced by SyncBatchNorm
 * @param resumedFrom the run folder resumed from, or null (written as null)
 * @param pipeline the pipeline's stages, schedule and micro-batches (null: no pipeline, left out)
 * @param clipGradNorm the gradient norm bound (0: no clipping, left out)
 * @param memoryBudgetBytes the per-worker memory budget (0: none, left out)
 * @param layers the transformer layers' split: tensor parallelism or experts (null: whole, left
 *     out)
 * @param zero the ZeRO stage (0: none, left out)
 * @param localSgd steps between averagings of local SGD (0: none, left out)
 * @param compression what gradients travel as, "fp16", "bf16", "powersgd:4", "topk:0.01" (null:
 *     float32, left out)
 * @param stepsPerEpoch optimizer steps per epoch; in config.json only (null: left out)
 * @param gradientBucketsBytes the size of each gradient bucket; in config.json only (null: left
 *     out)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record EffectiveConfig(
    String model,
    int workers,
    int epochs,
    int batchPerWorker,
    int accumulation,
    int globalBatch,
    String optimizer,
    float learningRate,
    float effectiveLearningRate,
    float momentum,
    int warmupSteps,
    int seed,
    long bucketBytes,
    boolean overlap,
    int backwardSegments,
    int checkEvery,
    String remainder,
    String data,
    String bufferSync,
    boolean syncBatchNorm,
    int trainLimit,
    int testLimit,
    int maxSteps,
    int checkpointEvery,
    int keepCheckpoints,
    String resumedFrom,
    @JsonInclude(JsonInclude.Include.NON_NULL) Pipelining pipeline,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) float clipGradNorm,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) long memoryBudgetBytes,
    @JsonInclude(JsonInclude.Include.NON_NULL) LayerSplit layers,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) int zero,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) int localSgd,
    @JsonInclude(JsonInclude.Include.NON_NULL) String compression,
    @JsonInclude(JsonInclude.Include.NON_NULL) Integer stepsPerEpoch,
    @JsonInclude(JsonInclude.Include.NON_NULL) List<Integer> gradientBucketsBytes) {

  /** The file in a run folder. */
  public static final String FILE = "config.json";

  /**
   * {@code cfg} run by {@code workers} workers on {@code data} (a description), without the layout
   * fields.
   */
  public static EffectiveConfig of(TrainConfig cfg, int workers, String data) {
    Path resumed = cfg.checkpointing().resumeFrom();
    return new EffectiveConfig(
        cfg.model(),
        workers,
        cfg.epochs(),
        cfg.batch(),
        cfg.accumulation(),
        Models.isLanguageModel(cfg.model())
            ? cfg.batch()
                * cfg.pipelining().microBatches()
                * (workers / cfg.pipelining().stages() / cfg.split().tensor())
            : cfg.batch() * workers * cfg.accumulation(),
        cfg.optimizer(),
        cfg.learningRate(),
        cfg.effectiveLearningRate(workers),
        cfg.momentum(),
        cfg.warmupSteps(),
        cfg.seed(),
        cfg.bucketBytes(),
        cfg.overlap(),
        cfg.backwardSegments(),
        cfg.checkEvery(),
        cfg.remainder().name().toLowerCase(Locale.ROOT),
        data,
        cfg.bufferSync().name().toLowerCase(Locale.ROOT),
        cfg.syncBatchNorm(),
        cfg.trainLimit(),
        cfg.testLimit(),
        cfg.maxSteps(),
        cfg.checkpointing().every(),
        cfg.checkpointing().keep(),
        resumed == null ? null : resumed.toString(),
        Models.isLanguageModel(cfg.model()) && !cfg.split().active() ? cfg.pipelining() : null,
        cfg.clipGradNorm(),
        cfg.memoryBudget(),
        cfg.split().active() ? cfg.split() : null,
        cfg.zero(),
        cfg.localSgd(),
        cfg.compression().none() ? null : cfg.compression().describe(),
        null,
        null);
  }

  /** The same configuration with the model's layout, as config.json holds it. */
  public EffectiveConfig withLayout(int stepsPerEpoch, List<Integer> gradientBucketsBytes) {
    return new EffectiveConfig(
        model,
        workers,
        epochs,
        batchPerWorker,
        accumulation,
        globalBatch,
        optimizer,
        learningRate,
        effectiveLearningRate,
        momentum,
        warmupSteps,
        seed,
        bucketBytes,
        overlap,
        backwardSegments,
        checkEvery,
        remainder,
        data,
        bufferSync,
        syncBatchNorm,
        trainLimit,
        testLimit,
        maxSteps,
        checkpointEvery,
        keepCheckpoints,
        resumedFrom,
        pipeline,
        clipGradNorm,
        memoryBudgetBytes,
        layers,
        zero,
        localSgd,
        compression,
        stepsPerEpoch,
        List.copyOf(gradientBucketsBytes));
  }

  /** The rows of rank 0's start-up table, by JSON name, without the layout fields. */
  public Map<String, Object> rows() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", model);
    m.put("workers", workers);
    m.put("epochs", epochs);
    m.put("batch_per_worker", batchPerWorker);
    m.put("accumulation", accumulation);
    m.put("global_batch", globalBatch);
    m.put("optimizer", optimizer);
    m.put("learning_rate", learningRate);
    m.put("effective_learning_rate", effectiveLearningRate);
    m.put("momentum", momentum);
    m.put("warmup_steps", warmupSteps);
    m.put("seed", seed);
    m.put("bucket_bytes", bucketBytes);
    m.put("overlap", overlap);
    m.put("backward_segments", backwardSegments);
    m.put("check_every", checkEvery);
    m.put("remainder", remainder);
    m.put("data", data);
    m.put("buffer_sync", bufferSync);
    m.put("sync_batch_norm", syncBatchNorm);
    m.put("train_limit", trainLimit);
    m.put("test_limit", testLimit);
    m.put("max_steps", maxSteps);
    m.put("checkpoint_every", checkpointEvery);
    m.put("keep_checkpoints", keepCheckpoints);
    m.put("resumed_from", resumedFrom);
    if (clipGradNorm > 0) {
      m.put("clip_grad_norm", clipGradNorm);
    }
    if (memoryBudgetBytes > 0) {
      m.put("memory_budget", ByteSize.format(memoryBudgetBytes));
    }
    if (compression != null) {
      m.put(
          "compression",
          compression
              + (compression.startsWith("fp16") || compression.startsWith("bf16")
                  ? " on the wire, float32 accumulation"
                  : ", with error feedback"));
    }
    if (localSgd > 0) {
      m.put("local_sgd", "parameters averaged every " + localSgd + " steps");
    }
    if (zero > 0) {
      m.put(
          "zero",
          "stage "
              + zero
              + ": "
              + switch (zero) {
                case 1 -> "the optimizer's state";
                case 2 -> "the optimizer's state and the gradients";
                default -> "the optimizer's state, the gradients and the parameters";
              }
              + " sharded over the workers");
    }
    if (layers != null && layers.tensor() > 1) {
      m.put("tensor_parallel", layers.tensor() + " workers per tensor group");
    }
    if (layers != null && layers.experts() > 0) {
      m.put(
          "experts",
          String.format(
              Locale.ROOT,
              "%d per layer, top-%d, capacity factor %.2f, load-balancing loss %.3f",
              layers.experts(),
              layers.topK(),
              layers.capacityFactor(),
              layers.auxLoss()));
    }
    if (pipeline != null) {
      m.put(
          "pipeline",
          pipeline.stages()
              + " ranks x "
              + pipeline.virtualStages()
              + " stages, "
              + pipeline.schedule()
              + ", "
              + pipeline.microBatches()
              + " micro-batches");
    }
    return m;
  }

  /** Writes {@code file} as indented JSON. */
  public void write(Path file) throws IOException {
    RunJson.write(this, file);
  }

  /** Reads a config.json; fields it does not know are ignored, missing ones are null or 0. */
  public static EffectiveConfig read(Path file) throws IOException {
    return RunJson.read(file, EffectiveConfig.class);
  }
}
