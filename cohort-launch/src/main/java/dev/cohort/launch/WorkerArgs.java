package dev.cohort.launch;

import dev.cohort.launch.spawn.JavaCommand;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.TrainWorker;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The command line of a {@code cohort worker}: a {@link TrainConfig} written out as the options
 * that the worker parses back into an equal configuration, plus what only a launcher asks for
 * ({@code --dump-params}). Every option is written, defaults included, so that what a worker trains
 * never depends on the worker's defaults matching the launcher's. Immutable; each {@code with}
 * method returns a new instance.
 *
 * <pre>{@code
 * JavaCommand cmd = WorkerArgs.of(config).withRunDir(dir).withoutProgress().command();
 * }</pre>
 */
public final class WorkerArgs {
  private static final double BYTES_PER_MEGABYTE = 1_000_000;

  private final TrainWorker.Job job;

  private WorkerArgs(TrainWorker.Job job) {
    this.job = job;
  }

  /** A worker that trains {@code config} on the default data. */
  public static WorkerArgs of(TrainConfig config) {
    return new WorkerArgs(TrainWorker.Job.of(config));
  }

  /** A worker that runs {@code job}. */
  public static WorkerArgs of(TrainWorker.Job job) {
    return new WorkerArgs(job);
  }

  private WorkerArgs with(TrainConfig config) {
    return new WorkerArgs(new TrainWorker.Job(config, job.dataDir(), job.dumpParameters()));
  }

  /** The same worker with rank 0 writing its run folder to {@code runDir} ({@code --run-dir}). */
  public WorkerArgs withRunDir(Path runDir) {
    return with(job.config().toBuilder().runDir(runDir).build());
  }

  /** The same worker continuing from the newest checkpoint in {@code run} ({@code --resume}). */
  public WorkerArgs withResume(Path run) {
    return with(job.config().toBuilder().resumeFrom(run).build());
  }

  /** The same worker without a progress bar ({@code --no-progress}). */
  public WorkerArgs withoutProgress() {
    return with(job.config().toBuilder().progress(false).build());
  }

  /** The same worker reading Fashion-MNIST from {@code dir} ({@code --data}). */
  public WorkerArgs withDataDir(Path dir) {
    return new WorkerArgs(new TrainWorker.Job(job.config(), dir, job.dumpParameters()));
  }

  /**
   * The same worker writing its final model state to {@code prefix} with ".rank{r}" appended
   * ({@code --dump-params}, for equivalence tests).
   */
  public WorkerArgs withDumpParameters(Path prefix) {
    return new WorkerArgs(new TrainWorker.Job(job.config(), job.dataDir(), prefix));
  }

  /** What the worker runs. */
  public TrainWorker.Job job() {
    return job;
  }

  public TrainConfig config() {
    return job.config();
  }

  /** {@code worker} and its options, for {@link JavaCommand#cohort}. */
  public List<String> toList() {
    TrainConfig c = job.config();
    List<String> a =
        new ArrayList<>(
            List.of(
                "worker",
                "--model",
                c.model(),
                "--epochs",
                "" + c.epochs(),
                "--batch",
                "" + c.batch(),
                "--accumulation",
                "" + c.accumulation(),
                "--optimizer",
                c.optimizer(),
                "--lr",
                Float.toString(c.learningRate()),
                "--momentum",
                Float.toString(c.momentum()),
                "--warmup",
                "" + c.warmupSteps(),
                "--seed",
                "" + c.seed(),
                "--bucket-mb",
                megabytes(c.bucketBytes()),
                "--backward-segments",
                "" + c.backwardSegments(),
                "--check-every",
                "" + c.checkEvery(),
                "--remainder",
                c.remainder().name().toLowerCase(Locale.ROOT),
                "--train-limit",
                "" + c.trainLimit(),
                "--test-limit",
                "" + c.testLimit(),
                "--max-steps",
                "" + c.maxSteps(),
                "--data",
                job.dataDir().toString(),
                "--buffer-sync",
                c.bufferSync().name().toLowerCase(Locale.ROOT),
                "--checkpoint-every",
                "" + c.checkpointing().every(),
                "--keep-checkpoints",
                "" + c.checkpointing().keep(),
                "--pipeline",
                "" + c.pipelining().stages(),
                "--schedule",
                c.pipelining().schedule(),
                "--micro-batches",
                "" + c.pipelining().microBatches(),
                "--virtual-stages",
                "" + c.pipelining().virtualStages(),
                "--clip-grad-norm",
                Float.toString(c.clipGradNorm()),
                "--memory-budget",
                Long.toString(c.memoryBudget()),
                "--generate",
                Integer.toString(c.generate()),
                "--partition",
                c.pipelining().partition(),
                "--tensor",
                Integer.toString(c.split().tensor()),
                "--experts",
                Integer.toString(c.split().experts()),
                "--expert-parallel",
                Integer.toString(c.split().expertParallel()),
                "--top-k",
                Integer.toString(c.split().topK()),
                "--capacity-factor",
                Double.toString(c.split().capacityFactor()),
                "--aux-loss",
                Double.toString(c.split().auxLoss()),
                "--zero",
                Integer.toString(c.zero()),
                "--local-sgd",
                Integer.toString(c.localSgd()),
                "--compress",
                c.compression().label()));
    if (c.compression().kind().stateful()) {
      a.addAll(List.of("--compress-start", Integer.toString(c.compression().plainSteps())));
    }
    if (c.scaleLearningRate()) {
      a.add("--scale-lr");
    }
    if (!c.overlap()) {
      a.add("--no-overlap");
    }
    if (!c.progress()) {
      a.add("--no-progress");
    }
    if (c.checkpointing().resumeFrom() != null) {
      a.addAll(List.of("--resume", c.checkpointing().resumeFrom().toString()));
    }
    if (c.runDir() != null) {
      a.addAll(List.of("--run-dir", c.runDir().toString()));
    }
    if (c.syncBatchNorm()) {
      a.add("--sync-bn");
    }
    if (job.dumpParameters() != null) {
      a.addAll(List.of("--dump-params", job.dumpParameters().toString()));
    }
    return a;
  }

  /**
   * The worker as a {@code cohort} command on this JVM's class path, with the Vector API module for
   * the optimizer's SIMD kernels ({@link JavaCommand#VECTOR_API}).
   */
  public JavaCommand command() {
    return JavaCommand.cohort(toList()).withJvmOptions(JavaCommand.VECTOR_API);
  }

  /**
   * What {@code --bucket-mb} means: megabytes of 10^6 bytes, truncated to whole bytes, as the
   * command line has always counted them.
   */
  public static long bucketBytes(double megabytes) {
    return (long) (megabytes * BYTES_PER_MEGABYTE);
  }

  /**
   * {@code bytes} as a {@code --bucket-mb} value that {@link #bucketBytes} turns back into exactly
   * {@code bytes}: the exact decimal where its nearest double does (almost always), else half a
   * byte more, which truncation cannot lose.
   */
  static String megabytes(long bytes) {
    String exact = BigDecimal.valueOf(bytes, 6).stripTrailingZeros().toPlainString();
    if (bucketBytes(Double.parseDouble(exact)) == bytes) {
      return exact;
    }
    return BigDecimal.valueOf(bytes * 10 + 5, 7).toPlainString();
  }
}
