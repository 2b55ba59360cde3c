package dev.cohort.train.pipeline;

import ai.djl.ndarray.NDManager;
import dev.cohort.checkpoint.TrainingState;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.train.GracefulStop;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.data.text.CharVocabulary;
import dev.cohort.train.data.text.TokenWindows;
import dev.cohort.train.metrics.Breakdown;
import dev.cohort.train.metrics.ListenerThread;
import dev.cohort.train.metrics.MemoryReport;
import dev.cohort.train.metrics.RunListener;
import dev.cohort.train.metrics.RunSummary;
import dev.cohort.train.metrics.StepRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The epochs of one language-model training on one rank: each step's micro-batches through the
 * pipeline, the step records, checkpoints and a stop on request agreed every {@value
 * LanguageModelTrainer#STOP_CHECK_EVERY} steps, each epoch's evaluation, and at the end the final
 * evaluations, the generated text and every worker's memory. Collective over the world.
 */
final class TrainingEpochs {
  /**
   * What the run gives the epochs.
   *
   * @param stopRequested whether this process was asked to stop
   */
  record Run(
      ProcessGroup world,
      TrainConfig cfg,
      ListenerThread listener,
      BooleanSupplier stopRequested) {}

  private final ProcessGroup world;
  private final TrainConfig cfg;
  private final ListenerThread listener;
  private final BooleanSupplier stopRequested;
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

  TrainingEpochs(
      Run run,
      PipelineGroups groups,
      PipelineRank rank,
      NDManager manager,
      StagePartition partition,
      StageCheckpoints checkpoints) {
    this.world = run.world();
    this.cfg = run.cfg();
    this.listener = run.listener();
    this.stopRequested = run.stopRequested();
    this.groups = groups;
    this.rank = rank;
    this.manager = manager;
    this.partition = partition;
    this.checkpoints = checkpoints;
    this.pipelines = world.size() / cfg.pipelining().stages();
    this.batches = new TextBatches(cfg.pipelining().microBatches(), cfg.batch(), cfg.seed());
    this.perStep = batches.perStep();
  }

  LanguageModelTrainer.Result run(TokenWindows train, TokenWindows validation, String description) {
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
          o = rank.step(micro, cfg.learningRateAt(step));
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
        boolean stop =
            step % LanguageModelTrainer.STOP_CHECK_EVERY == 0
                && GracefulStop.agreed(world, stopRequested);
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
        evaluate(
            LanguageModelTrainer.limit(train, Math.max(validation.size(), perStep * pipelines)));
    // Stopped on request: the state is saved and the process must exit soon; no text.
    int[] generated =
        cfg.generate() == 0 || stoppedAt > 0
            ? new int[0]
            : rank.inference()
                .generate(
                    CharVocabulary.encode(LanguageModelTrainer.PROMPT),
                    cfg.generate(),
                    0.8f,
                    cfg.seed());
    // Every collective before the last checkpoint writes, which may fail on their ranks alone.
    MemoryReport memory =
        WorkerMemories.gather(world, cfg, partition, rank.memory(activations, buffers));
    return new LanguageModelTrainer.Result(
        losses,
        evaluations,
        epochNumbers,
        finalValidation,
        onTrain,
        breakdown,
        step,
        epochSeconds,
        generated.length == 0 ? "" : LanguageModelTrainer.PROMPT + CharVocabulary.decode(generated),
        partition,
        closeCheckpoints(),
        memory,
        stoppedAt,
        null);
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
}
