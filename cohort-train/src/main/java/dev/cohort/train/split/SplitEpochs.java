package dev.cohort.train.split;

import ai.djl.ndarray.NDManager;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.train.GracefulStop;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.data.text.CharVocabulary;
import dev.cohort.train.data.text.TokenWindows;
import dev.cohort.train.ddp.PeakMemory;
import dev.cohort.train.memory.WorkerMemory;
import dev.cohort.train.metrics.Breakdown;
import dev.cohort.train.metrics.ExpertLoad;
import dev.cohort.train.metrics.ListenerThread;
import dev.cohort.train.metrics.MemoryReport;
import dev.cohort.train.metrics.RunListener;
import dev.cohort.train.metrics.StepRecord;
import dev.cohort.train.model.gpt.GptConfig;
import dev.cohort.train.pipeline.LanguageModelTrainer;
import dev.cohort.train.pipeline.PipelineInference;
import dev.cohort.train.pipeline.PipelineRank;
import dev.cohort.train.pipeline.StagePartition;
import dev.cohort.train.pipeline.TextBatches;
import dev.cohort.train.tensor.SplitGpt;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The epochs of one split-model run on one rank: the steps (with the world's mean loss and, for
 * experts, the routing gathered each step in one small all-reduce), each epoch's evaluation, a stop
 * on request agreed every {@value #STOP_CHECK_EVERY} steps, and at the end the final evaluations,
 * the generated text and every worker's memory. Collective over the world.
 */
final class SplitEpochs {
  static final int STOP_CHECK_EVERY = 5;

  /** What the run gives the epochs. */
  record Run(
      ProcessGroup world,
      TrainConfig cfg,
      ListenerThread listener,
      BooleanSupplier stopRequested) {}

  private final ProcessGroup world;
  private final TrainConfig cfg;
  private final ListenerThread listener;
  private final BooleanSupplier stopRequested;
  private final SplitGroups groups;
  private final SplitGpt gpt;
  private final NDManager manager;
  private final TextBatches batches;
  private final SplitEvaluation evaluation;
  private final Breakdown breakdown = new Breakdown();
  private final RoutingRecord routing; // null without experts
  private final int blocks;
  private long activations;

  SplitEpochs(Run run, SplitGroups groups, SplitGpt gpt, NDManager manager, GptConfig g) {
    this.world = run.world();
    this.cfg = run.cfg();
    this.listener = run.listener();
    this.stopRequested = run.stopRequested();
    this.groups = groups;
    this.gpt = gpt;
    this.manager = manager;
    this.batches = new TextBatches(1, cfg.batch(), cfg.seed());
    this.evaluation = new SplitEvaluation(groups, gpt, manager, cfg.batch(), g.context());
    this.routing = cfg.split().experts() > 0 ? new RoutingRecord(gpt, cfg.split().experts()) : null;
    this.blocks = g.layers() + 3;
  }

  LanguageModelTrainer.Result run(TokenWindows train, TokenWindows validation, String data) {
    int replicas = groups.dataReplicas();
    int perEpoch = train.size() / (cfg.batch() * replicas);
    if (perEpoch < 1) {
      throw new IllegalArgumentException(
          "one step takes "
              + cfg.batch() * replicas
              + " windows of text ("
              + replicas
              + " replicas x --batch), the training text has "
              + train.size());
    }
    listener.onStart(new RunListener.Start(cfg, world.size(), perEpoch, List.of(), data, 0));
    List<Double> losses = new ArrayList<>();
    List<PipelineInference.Evaluation> evaluations = new ArrayList<>();
    List<Double> seconds = new ArrayList<>();
    List<Integer> numbers = new ArrayList<>();
    int step = 0;
    int stoppedAt = 0;
    long clock = System.nanoTime();
    for (int epoch = 0; epoch < cfg.epochs() && stoppedAt == 0; epoch++) {
      int[] order = batches.order(train.size(), epoch);
      double sum = 0;
      int n = 0;
      for (int b = 0; b < perEpoch && (cfg.maxSteps() == 0 || step < cfg.maxSteps()); b++) {
        int first = (b * replicas + groups.dataReplica()) * cfg.batch();
        StepRecord r = step(step, epoch, clock, train, order, first);
        clock = System.nanoTime();
        breakdown.add(r);
        listener.onStep(r, b + 1, perEpoch);
        sum += r.loss();
        n++;
        step++;
        if (step % STOP_CHECK_EVERY == 0 && GracefulStop.agreed(world, stopRequested)) {
          stoppedAt = step;
          break;
        }
      }
      if (n > 0) {
        losses.add(sum / n);
        evaluations.add(evaluation.evaluate(validation));
        seconds.add(breakdown.seconds());
        numbers.add(epoch + 1);
        listener.onEpoch(epoch, sum / n, evaluations.get(evaluations.size() - 1).accuracy());
      }
      clock = System.nanoTime(); // the evaluation belongs to no step
      if (cfg.maxSteps() > 0 && step >= cfg.maxSteps()) {
        break;
      }
    }
    PipelineInference.Evaluation last =
        evaluations.isEmpty()
            ? evaluation.evaluate(validation)
            : evaluations.get(evaluations.size() - 1);
    PipelineInference.Evaluation onTrain =
        evaluation.evaluate(
            LanguageModelTrainer.limit(train, Math.max(validation.size(), cfg.batch() * replicas)));
    // Stopped on request: the process must exit soon; no text.
    int[] generated =
        cfg.generate() == 0 || stoppedAt > 0
            ? new int[0]
            : evaluation.generate(
                CharVocabulary.encode(LanguageModelTrainer.PROMPT),
                cfg.generate(),
                0.8f,
                cfg.seed());
    return new LanguageModelTrainer.Result(
        losses,
        evaluations,
        numbers,
        last,
        onTrain,
        breakdown,
        step,
        seconds,
        generated.length == 0 ? "" : LanguageModelTrainer.PROMPT + CharVocabulary.decode(generated),
        new StagePartition(new int[] {0}, blocks),
        null,
        memory(),
        stoppedAt,
        routing == null ? null : routing.total());
  }

  /** One step on windows {@code order[first, first + batch)}. */
  private StepRecord step(
      int step, int epoch, long start, TokenWindows train, int[] order, int first) {
    long layers0 = gpt.communicationNanos();
    long averaging0 = gpt.averagingNanos();
    long data;
    long compute;
    long optimizer;
    float loss;
    try (NDManager m = manager.newSubManager()) {
      long t0 = System.nanoTime();
      PipelineRank.MicroBatches batch = batches.take(m, train, order, first);
      long t1 = System.nanoTime();
      data = t1 - t0;
      loss = gpt.forwardBackward(m, batch.inputs().get(0), batch.targets().get(0));
      long t2 = System.nanoTime();
      compute = t2 - t1;
      activations = Math.max(activations, gpt.activationBytes());
      gpt.update(step + 1, cfg.learningRateAt(step), 1);
      optimizer = System.nanoTime() - t2;
    }
    long layers = gpt.communicationNanos() - layers0;
    long averaging = gpt.averagingNanos() - averaging0;
    // The world's mean loss (and, with experts, the routing) in one all-reduce; a tensor group's
    // ranks share one batch and one loss.
    double[] sums = new double[1 + (routing == null ? 0 : routing.size())];
    sums[0] = groups.tensor() ? loss / groups.size() : loss;
    if (routing != null) {
      routing.fill(sums, 1);
    }
    world.allReduce(sums, ReduceOp.SUM);
    ExpertLoad load = routing == null ? null : routing.step(sums, 1, world.size());
    return new StepRecord(
        step,
        epoch,
        (float) (sums[0] / groups.dataReplicas()),
        cfg.batch(),
        data,
        Math.max(0, compute - layers),
        layers + averaging,
        0,
        Math.max(0, optimizer - averaging),
        System.nanoTime() - start,
        load);
  }

  /** Every worker's parameters, gradients, optimizer state and most activations; no plan. */
  private MemoryReport memory() {
    long params = gpt.parameterBytes();
    long[] all =
        world.allGather(
            new long[] {
              params, params, gpt.optimizerBytes(), activations, 0, PeakMemory.ofThisProcess()
            });
    List<MemoryReport.Worker> workers = new ArrayList<>();
    for (int w = 0; w < world.size(); w++) {
      int at = 6 * w;
      workers.add(
          new MemoryReport.Worker(
              w,
              List.of(0),
              null,
              new WorkerMemory(all[at], all[at + 1], all[at + 2], all[at + 3], all[at + 4]),
              all[at + 5]));
    }
    return new MemoryReport(0, workers);
  }
}
