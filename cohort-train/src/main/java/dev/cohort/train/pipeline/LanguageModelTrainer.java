package dev.cohort.train.pipeline;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cohort.checkpoint.TrainingState;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.train.Pipelining;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.data.text.CharVocabulary;
import dev.cohort.train.data.text.TextCorpus;
import dev.cohort.train.data.text.TokenWindows;
import dev.cohort.train.ddp.RandomStreams;
import dev.cohort.train.metrics.Breakdown;
import dev.cohort.train.metrics.ListenerThread;
import dev.cohort.train.metrics.MemoryReport;
import dev.cohort.train.metrics.RunListener;
import dev.cohort.train.metrics.RunSummary;
import dev.cohort.train.metrics.StepRecord;
import dev.cohort.train.model.Models;
import dev.cohort.train.model.gpt.Gpt;
import dev.cohort.train.model.gpt.GptConfig;
import dev.cohort.train.model.gpt.SequenceLoss;
import dev.cohort.train.pipeline.schedule.Schedule;
import dev.cohort.train.pipeline.schedule.Schedules;
import java.io.PrintStream;
import java.util.ArrayList;
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
  static final String PROMPT = "The ";

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
      int stoppedAtStep) {}

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
      long[] nanos = BlockTimes.shared(world, g, cfg.batch());
      partition = StagePartition.balanced(nanos, p.stages() * p.virtualStages());
      if (world.rank() == 0) {
        log.println(
            "partition by time: each block's forward and backward, ms: "
                + java.util.Arrays.toString(
                    java.util.Arrays.stream(nanos).map(n -> Math.round(n / 1e6)).toArray()));
      }
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
        return new Loop(groups, rank, manager, partition, checkpoints)
            .run(train, validation, corpus.description());
      }
    }
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

  private static TokenWindows limit(TokenWindows w, int limit) {
    return limit > 0 && limit < w.size() ? w.head(limit) : w;
  }

  /** The epochs of one training. */
  private final class Loop {
    private final PipelineGroups groups;
    private final PipelineRank rank;
    private final NDManager manager;
    private final StagePartition partition;
    private final StageCheckpoints checkpoints;
    private final int pipelines;
    private final int perStep; // windows per pipeline per step
    private final TextBatches batches;
    private final Breakdown breakdown = new Breakdown();
    private long activations; // the most any step held
    private long buffers;

    Loop(
        PipelineGroups groups,
        PipelineRank rank,
        NDManager manager,
        StagePartition partition,
        StageCheckpoints checkpoints) {
      this.groups = groups;
      this.rank = rank;
      this.manager = manager;
      this.partition = partition;
      this.checkpoints = checkpoints;
      this.pipelines = world.size() / cfg.pipelining().stages();
      this.batches = new TextBatches(cfg.pipelining().microBatches(), cfg.batch(), cfg.seed());
      this.perStep = batches.perStep();
    }

    Result run(TokenWindows train, TokenWindows validation, String description) {
      int perEpoch = train.size() / (perStep * pipelines);
      if (perEpoch < 1) {
        throw new IllegalArgumentException(
            "one step takes "
                + perStep * pipelines
                + " windows of text ("
                + pipelines
                + " pipelines x --micro-batches x --batch), the training text has "
                + train.size());
      }
      TrainingState from = checkpoints.resumeIfAsked();
      int step = from == null ? 0 : Math.toIntExact(from.step());
      rank.resumeAt(step);
      listener.onStart(
          new RunListener.Start(cfg, world.size(), perEpoch, List.of(), description, step));
      List<Double> losses = new ArrayList<>();
      List<PipelineInference.Evaluation> evaluations = new ArrayList<>();
      List<Double> epochSeconds = new ArrayList<>();
      List<Integer> epochNumbers = new ArrayList<>();
      long clock = System.nanoTime();
      int stoppedAt = 0;
      for (int epoch = from == null ? 0 : from.epoch(); epoch < cfg.epochs(); epoch++) {
        int[] order = batches.order(train.size(), epoch);
        double lossSum = 0;
        int n = 0;
        int firstBatch = from != null && epoch == from.epoch() ? from.batch() : 0;
        for (int b = firstBatch;
            b < perEpoch && (cfg.maxSteps() == 0 || step < cfg.maxSteps());
            b++) {
          long t0 = clock;
          int first = (b * pipelines + groups.pipelineIndex()) * perStep;
          PipelineRank.Outcome o;
          long data;
          try (NDManager m = manager.newSubManager()) {
            long d0 = System.nanoTime();
            PipelineRank.MicroBatches micro = batches.take(m, train, order, first);
            data = System.nanoTime() - d0;
            o = rank.step(micro, learningRate(step));
          }
          clock = System.nanoTime();
          StepRecord r =
              new StepRecord(
                  step,
                  epoch,
                  o.loss(),
                  perStep,
                  data,
                  o.computeNanos(),
                  o.commNanos(),
                  o.waitNanos(),
                  o.optimizerNanos(),
                  clock - t0);
          breakdown.add(r);
          activations = Math.max(activations, o.activationBytes());
          buffers = Math.max(buffers, o.bufferBytes());
          listener.onStep(r, b + 1, perEpoch);
          lossSum += o.loss();
          n++;
          step++;
          boolean stop = step % STOP_CHECK_EVERY == 0 && stopAgreed();
          if (checkpoints.due(step) || (stop && checkpoints.enabled())) {
            // metrics.csv must hold every step the checkpoint holds: a restart appends from it.
            listener.flush();
            boolean last = b + 1 == perEpoch;
            try {
              checkpoints.save(step, last ? epoch + 1 : epoch, last ? 0 : b + 1);
            } catch (RuntimeException e) {
              rank.abort("checkpoint of step " + step + " failed: " + e.getMessage());
              throw e;
            }
            clock = System.nanoTime(); // the copy is the summary's checkpoint cost, not a step's
          }
          if (stop) {
            stoppedAt = step;
            break;
          }
        }
        if (n > 0) { // an epoch a resume found already done, or past --max-steps, is not one
          losses.add(lossSum / n);
          evaluations.add(evaluate(validation));
          epochSeconds.add(breakdown.seconds());
          epochNumbers.add(epoch + 1);
          listener.onEpoch(
              epoch,
              losses.get(losses.size() - 1),
              evaluations.get(evaluations.size() - 1).accuracy());
        }
        clock = System.nanoTime(); // the evaluation belongs to no step
        if (stoppedAt > 0 || (cfg.maxSteps() > 0 && step >= cfg.maxSteps())) {
          break;
        }
      }
      PipelineInference.Evaluation finalValidation =
          evaluations.isEmpty() ? evaluate(validation) : evaluations.get(evaluations.size() - 1);
      PipelineInference.Evaluation onTrain =
          evaluate(limit(train, Math.max(validation.size(), perStep * pipelines)));
      // Stopped on request: the state is saved and the process must exit soon; no text.
      int[] generated =
          cfg.generate() == 0 || stoppedAt > 0
              ? new int[0]
              : rank.inference()
                  .generate(CharVocabulary.encode(PROMPT), cfg.generate(), 0.8f, cfg.seed());
      // Every collective before the last checkpoint writes, which may fail on their ranks alone.
      MemoryReport memory =
          WorkerMemories.gather(world, cfg, partition, rank.memory(activations, buffers));
      return new Result(
          losses,
          evaluations,
          epochNumbers,
          finalValidation,
          onTrain,
          breakdown,
          step,
          epochSeconds,
          generated.length == 0 ? "" : PROMPT + CharVocabulary.decode(generated),
          partition,
          closeCheckpoints(),
          memory,
          stoppedAt);
    }

    /** Whether any rank was asked to stop. Collective over the world. */
    private boolean stopAgreed() {
      int[] flag = {stopRequested.getAsBoolean() ? 1 : 0};
      world.allReduce(flag, ReduceOp.MAX);
      return flag[0] > 0;
    }

    /** Waits for the last checkpoint writes, then says what they cost. */
    private RunSummary.CheckpointCost closeCheckpoints() {
      checkpoints.close();
      return checkpoints.cost();
    }

    /** Every pipeline evaluates its share of {@code text}, every window once. */
    private PipelineInference.Evaluation evaluate(TokenWindows text) {
      // Chunks of a step's windows, dealt to the pipelines in turn, each window once; a round in
      // which a pipeline has no chunk left still joins the round's sum.
      int chunks = (text.size() + perStep - 1) / perStep;
      int rounds = (chunks + pipelines - 1) / pipelines;
      double lossTokens = 0;
      double right = 0;
      long tokens = 0;
      for (int round = 0; round < rounds; round++) {
        int chunk = round * pipelines + groups.pipelineIndex();
        int first = Math.min(text.size(), chunk * perStep);
        int count = Math.min(perStep, text.size() - first);
        try (NDManager m = manager.newSubManager()) {
          PipelineInference.Evaluation e =
              rank.inference().evaluate(batches.range(m, text, first, count));
          lossTokens += e.loss() * e.tokens();
          right += e.accuracy() * e.tokens();
          tokens += e.tokens();
        }
      }
      return new PipelineInference.Evaluation(lossTokens / tokens, right / tokens, tokens);
    }

    /** Linear warm-up to the learning rate over {@code --warmup} steps. */
    private float learningRate(int step) {
      float lr = cfg.learningRate();
      return step < cfg.warmupSteps() ? lr * (step + 1) / cfg.warmupSteps() : lr;
    }
  }
}
