package dev.cohort.train.pipeline;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cohort.checkpoint.CheckpointFolders;
import dev.cohort.checkpoint.CheckpointStore;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.train.Pipelining;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.data.text.TextCorpus;
import dev.cohort.train.data.text.TokenWindows;
import dev.cohort.train.ddp.RandomStreams;
import dev.cohort.train.metrics.Breakdown;
import dev.cohort.train.metrics.ExpertLoad;
import dev.cohort.train.metrics.ListenerThread;
import dev.cohort.train.metrics.MemoryReport;
import dev.cohort.train.metrics.RunSummary;
import dev.cohort.train.model.Models;
import dev.cohort.train.model.gpt.Gpt;
import dev.cohort.train.model.gpt.GptConfig;
import dev.cohort.train.model.gpt.SequenceLoss;
import dev.cohort.train.pipeline.schedule.Schedule;
import dev.cohort.train.pipeline.schedule.Schedules;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Trains the character-level language model on its text with pipeline and data parallelism: the
 * world splits into pipelines of {@code --pipeline} ranks, each step every pipeline runs {@code
 * --micro-batches} micro-batches of {@code --batch} windows through the schedule, and the stages'
 * gradients are averaged across pipelines. After each epoch: the validation loss, perplexity and
 * next-character accuracy; at the end, unless stopped on request, {@code --generate} characters of
 * text. Collective: every rank of the world calls {@link #train}.
 */
public final class LanguageModelTrainer {
  /** Text generated at the end of a run, after this prompt. */
  public static final String PROMPT = "The ";

  /**
   * What the training did.
   *
   * @param trainLoss each epoch's mean training loss
   * @param validation each epoch's evaluation on the validation text
   * @param epochNumbers each of those epochs' number, from 1 (a resumed run starts past 1)
   * @param finalValidation the final model on the validation text (the last epoch's evaluation, or
   *     a new one when a resumed run had nothing left to train)
   * @param trainEvaluation the final model on as many training windows as validation has
   * @param breakdown where the timed steps went (this rank)
   * @param steps optimizer steps done
   * @param epochSeconds the training time at the end of each epoch
   * @param generated text generated after {@link #PROMPT} (empty: none)
   * @param partition the blocks of each stage
   * @param checkpoints what this rank's checkpoints cost (null if it wrote none)
   * @param memory every worker's memory, predicted and tracked
   * @param stoppedAtStep the step after which a stop on request ended training (0: not stopped)
   * @param experts how a mixture of experts routed over the run (null: none)
   */
  public record Result(
      List<Double> trainLoss,
      List<PipelineInference.Evaluation> validation,
      List<Integer> epochNumbers,
      PipelineInference.Evaluation finalValidation,
      PipelineInference.Evaluation trainEvaluation,
      Breakdown breakdown,
      int steps,
      List<Double> epochSeconds,
      String generated,
      StagePartition partition,
      RunSummary.CheckpointCost checkpoints,
      MemoryReport memory,
      int stoppedAtStep,
      ExpertLoad experts) {}

  /** Steps between checks whether every rank has been asked to stop. */
  static final int STOP_CHECK_EVERY = 5;

  private final ProcessGroup world;
  private final TrainConfig cfg;
  private final ListenerThread listener;
  private final PrintStream log;
  private final BooleanSupplier stopRequested;

  /**
   * @param listener told about steps and epochs, off the training thread
   * @param log where warnings go (an unusable checkpoint skipped on resume)
   * @param stopRequested whether this process was asked to stop (SIGTERM): checked by every rank
   *     together every {@value #STOP_CHECK_EVERY} steps; training then ends after the same step
   *     everywhere, with a checkpoint when checkpoints are on
   */
  public LanguageModelTrainer(
      ProcessGroup world,
      TrainConfig cfg,
      ListenerThread listener,
      PrintStream log,
      BooleanSupplier stopRequested) {
    this.world = world;
    this.cfg = cfg;
    this.listener = listener;
    this.log = log;
    this.stopRequested = stopRequested;
  }

  /** Trains on {@code corpus}. */
  public Result train(TextCorpus corpus) {
    GptConfig g = Models.gptConfig(cfg.model());
    Pipelining p = cfg.pipelining();
    Schedule schedule =
        Schedules.byName(p.schedule(), p.stages(), p.virtualStages(), p.microBatches());
    StagePartition partition = StagePartition.planned(p, g.blockParameters());
    if (p.partition().equals(Pipelining.BY_TIME) && p.stages() * p.virtualStages() > 1) {
      partition = timeCut(g, p);
    }
    TokenWindows train = limit(corpus.trainWindows(g.context()), cfg.trainLimit());
    TokenWindows validation = limit(corpus.validationWindows(g.context()), cfg.testLimit());
    try (PipelineGroups groups = PipelineGroups.split(world, p.stages());
        NDManager manager = NDManager.newBaseManager()) {
      StagedModel model =
          new StagedModel(Gpt.build(g), partition, new Shape(cfg.batch(), g.context()));
      PipelineRank rank =
          new PipelineRank(
              groups,
              schedule,
              model,
              new PipelineRank.Settings(
                  new SequenceLoss(),
                  cfg.seed(),
                  cfg.optimizer(),
                  cfg.momentum(),
                  cfg.clipGradNorm()),
              manager);
      try (StageCheckpoints checkpoints =
          new StageCheckpoints(
              world,
              cfg.checkpointing(),
              cfg.runDir(),
              rank.states(),
              groups.pipelineIndex() == 0 ? groups.pipeline() : null,
              checkpointMeta(corpus, partition, train.size()),
              log)) {
        return new TrainingEpochs(
                new TrainingEpochs.Run(world, cfg, listener, stopRequested),
                groups,
                rank,
                manager,
                partition,
                checkpoints)
            .run(train, validation, corpus.description());
      }
    }
  }

  /**
   * The cut by time: a resumed run keeps the cut its checkpoints were written with (timings differ
   * from run to run, and the checkpoints hold the stages as they were cut); otherwise rank 0 times
   * the blocks. Collective over the world.
   */
  private StagePartition timeCut(GptConfig g, Pipelining p) {
    int stages = p.stages() * p.virtualStages();
    long[] saved = new long[stages];
    java.util.Arrays.fill(saved, -1);
    if (world.rank() == 0 && cfg.checkpointing().resumeFrom() != null) {
      Path stage0 =
          CheckpointFolders.stage(CheckpointFolders.of(cfg.checkpointing().resumeFrom()), 0);
      new CheckpointStore(stage0, 1)
          .loadNewest(w -> {})
          .map(l -> String.valueOf(l.state().meta().get("partition")).split(","))
          .filter(blocks -> blocks.length == stages)
          .ifPresent(
              blocks -> {
                for (int i = 0; i < stages; i++) {
                  saved[i] = Long.parseLong(blocks[i].strip());
                }
              });
    }
    world.broadcast(saved, 0);
    if (saved[0] > 0) {
      StringBuilder blocks = new StringBuilder();
      for (int i = 0; i < stages; i++) {
        blocks.append(i == 0 ? "" : ",").append(saved[i]);
      }
      if (world.rank() == 0) {
        log.println("partition by time: the resumed checkpoints' cut, " + blocks);
      }
      return StagePartition.planned(
          new Pipelining(
              p.stages(), p.schedule(), p.microBatches(), p.virtualStages(), blocks.toString()),
          g.blockParameters());
    }
    long[] nanos = BlockTimes.shared(world, g, cfg.batch());
    if (world.rank() == 0) {
      log.println(
          "partition by time: each block's forward and backward, ms: "
              + java.util.Arrays.toString(
                  java.util.Arrays.stream(nanos).map(n -> Math.round(n / 1e6)).toArray()));
    }
    return StagePartition.balanced(nanos, stages);
  }

  /**
   * What a checkpoint must match to be resumed by this run: the model and its cut, the optimizer,
   * the seed and random streams, the text, and what a step takes from it (the data position is a
   * batch index within the epoch).
   */
  private Map<String, Object> checkpointMeta(
      TextCorpus corpus, StagePartition partition, int trainWindows) {
    Pipelining p = cfg.pipelining();
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("model", cfg.model());
    meta.put("stages", p.stages() * p.virtualStages());
    meta.put("partition", partition.blocksPerStage());
    meta.put("global_batch", world.size() / p.stages() * p.microBatches() * cfg.batch());
    meta.put("train_windows", trainWindows);
    meta.put("optimizer", cfg.optimizer());
    meta.put("momentum", cfg.momentum());
    meta.put("seed", cfg.seed());
    meta.put("random_streams", RandomStreams.SCHEME);
    meta.put("data_fingerprint", corpus.fingerprint());
    return meta;
  }

  public static TokenWindows limit(TokenWindows w, int limit) {
    return limit > 0 && limit < w.size() ? w.head(limit) : w;
  }
}
