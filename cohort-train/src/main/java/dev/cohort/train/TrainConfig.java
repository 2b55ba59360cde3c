package dev.cohort.train;

import dev.cohort.train.data.DistributedSampler;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Everything one training run needs, validated once. Batches are per worker, as in PyTorch DDP:
 * the global batch is {@code batch x workers x accumulation}.
 *
 * @param model "mlp" or "cnn" (or any name a custom block supplier understands)
 * @param epochs passes over the training data
 * @param batch samples per worker per micro-batch
 * @param accumulation micro-batches per optimizer step (one all-reduce per step)
 * @param optimizer "sgd" or "adam"
 * @param learningRate base learning rate (for one worker)
 * @param momentum SGD momentum (0 for plain SGD)
 * @param scaleLearningRate multiply the rate by the number of workers (linear scaling rule)
 * @param warmupSteps ramp the rate up linearly over this many steps (0: none)
 * @param seed seeds initialization and the data order
 * @param bucketBytes gradient bucket size
 * @param overlap all-reduce a bucket while packing the next
 * @param checkEvery compare parameter checksums across ranks every this many steps (0: at the end only)
 * @param remainder what to do with the last incomplete global batch
 * @param dataDir folder with the Fashion-MNIST IDX files
 * @param trainLimit use only the first this many training samples (0: all)
 * @param testLimit use only the first this many test samples (0: all)
 * @param maxSteps stop after this many optimizer steps (0: no limit)
 * @param runDir where config.json, summary.json and metrics.csv go (null: nowhere)
 * @param progress draw a progress bar on rank 0
 * @param checkpointing checkpoint interval, retention and resume source
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
    int checkEvery,
    DistributedSampler.Remainder remainder,
    Path dataDir,
    int trainLimit,
    int testLimit,
    int maxSteps,
    Path runDir,
    boolean progress,
    Checkpointing checkpointing) {

  public TrainConfig {
    require(epochs >= 1, "epochs must be >= 1, got " + epochs);
    require(batch >= 1, "batch must be >= 1, got " + batch);
    require(accumulation >= 1, "accumulation must be >= 1, got " + accumulation);
    optimizer = optimizer.toLowerCase(Locale.ROOT);
    require(optimizer.equals("sgd") || optimizer.equals("adam"),
        "optimizer must be sgd or adam, got " + optimizer);
    require(learningRate > 0 && Float.isFinite(learningRate), "learning rate must be > 0");
    require(momentum >= 0 && momentum < 1, "momentum must be in [0, 1)");
    require(warmupSteps >= 0, "warmup steps must be >= 0");
    require(bucketBytes >= 1024, "bucket size must be at least 1 KiB, got " + bucketBytes);
    require(checkEvery >= 0, "check-every must be >= 0");
    require(trainLimit >= 0 && testLimit >= 0 && maxSteps >= 0, "limits must be >= 0");
    if (checkpointing == null) {
      checkpointing = Checkpointing.NONE;
    }
  }

  /** Sensible defaults: the quickstart's CNN run. */
  public static TrainConfig defaults() {
    return new TrainConfig("cnn", 1, 64, 1, "adam", 0.001f, 0f, false, 0, 42, 25L << 20, true, 0,
        DistributedSampler.Remainder.DROP, dev.cohort.train.data.FashionMnist.DEFAULT_DIR, 0, 0,
        0, null, true, Checkpointing.NONE);
  }

  /** The rows of the start-up table and of config.json. */
  public Map<String, Object> describe(int workers) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", model);
    m.put("workers", workers);
    m.put("epochs", epochs);
    m.put("batch_per_worker", batch);
    m.put("accumulation", accumulation);
    m.put("global_batch", batch * workers * accumulation);
    m.put("optimizer", optimizer);
    m.put("learning_rate", learningRate);
    m.put("effective_learning_rate", effectiveLearningRate(workers));
    m.put("momentum", momentum);
    m.put("warmup_steps", warmupSteps);
    m.put("seed", seed);
    m.put("bucket_bytes", bucketBytes);
    m.put("overlap", overlap);
    m.put("check_every", checkEvery);
    m.put("remainder", remainder.name().toLowerCase(Locale.ROOT));
    m.put("data", dataDir.toString());
    m.put("train_limit", trainLimit);
    m.put("test_limit", testLimit);
    m.put("max_steps", maxSteps);
    m.put("checkpoint_every", checkpointing.every());
    m.put("keep_checkpoints", checkpointing.keep());
    m.put("resumed_from", checkpointing.resumeFrom() == null ? null : checkpointing.resumeFrom().toString());
    return m;
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
