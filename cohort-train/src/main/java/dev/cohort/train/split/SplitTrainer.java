package dev.cohort.train.split;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cohort.comm.GroupStats;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.train.LayerSplit;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.data.text.TextCorpus;
import dev.cohort.train.data.text.TokenWindows;
import dev.cohort.train.metrics.ListenerThread;
import dev.cohort.train.model.Models;
import dev.cohort.train.model.gpt.GptConfig;
import dev.cohort.train.model.gpt.SequenceLoss;
import dev.cohort.train.moe.MoeGpt;
import dev.cohort.train.pipeline.LanguageModelTrainer;
import dev.cohort.train.tensor.SplitGpt;
import java.io.PrintStream;
import java.util.function.BooleanSupplier;

/**
 * Trains the language model with its layers split ({@code --tensor} or {@code --experts}) and the
 * rest data-parallel: each step every replica takes {@code --batch} windows of its own, the layers'
 * collectives run inside the forward and backward, the gradients are averaged across the replicas
 * and the optimizer updates in place. The layers train without dropout. Each epoch ends with the
 * validation loss, perplexity and accuracy; a stop on request is agreed every few steps. Collective
 * over the world.
 */
public final class SplitTrainer {
  private final ProcessGroup world;
  private final TrainConfig cfg;
  private final ListenerThread listener;
  private final PrintStream log;
  private final BooleanSupplier stopRequested;

  /**
   * @param log where rank 0 says what it warns of
   */
  public SplitTrainer(
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
  public LanguageModelTrainer.Result train(TextCorpus corpus) {
    GptConfig model = Models.gptConfig(cfg.model());
    GptConfig g = model.withoutDropout();
    if (world.rank() == 0 && model.dropout() > 0) {
      log.println(
          "note: split layers train without dropout (the model's rate "
              + model.dropout()
              + " is not applied): each tensor rank would need a random stream of its own");
    }
    TokenWindows train =
        LanguageModelTrainer.limit(corpus.trainWindows(g.context()), cfg.trainLimit());
    TokenWindows validation =
        LanguageModelTrainer.limit(corpus.validationWindows(g.context()), cfg.testLimit());
    LayerSplit split = cfg.split();
    try (SplitGroups groups = SplitGroups.of(world, split, g);
        NDManager manager = NDManager.newBaseManager();
        SplitGpt gpt = build(groups, g)) {
      warnOfTcp(groups);
      return new SplitEpochs(
              new SplitEpochs.Run(world, cfg, listener, stopRequested), groups, gpt, manager, g)
          .run(train, validation, corpus.description());
    }
  }

  private SplitGpt build(SplitGroups groups, GptConfig g) {
    Shape batch = new Shape(cfg.batch(), g.context());
    SplitGpt.Optimizer optimizer = new SplitGpt.Optimizer(cfg.optimizer(), cfg.momentum());
    return groups.tensor()
        ? SplitGpt.tensorParallel(
            groups.group(), groups.replicas(), g, cfg.seed(), batch, new SequenceLoss(), optimizer)
        : MoeGpt.build(
            groups.experts(),
            g,
            cfg.split().moe(),
            cfg.seed(),
            batch,
            new SequenceLoss(),
            optimizer);
  }

  /**
   * Rank 0 warns when any tensor group's ranks reach each other over TCP (the group spans hosts, or
   * shared memory is off). Collective over the world.
   */
  private void warnOfTcp(SplitGroups groups) {
    int[] tcp = {0};
    if (groups.tensor() && groups.group() != null) {
      GroupStats stats = groups.group().stats();
      for (int r = 0; r < groups.size(); r++) {
        GroupStats.Transport t = stats.transportTo(r);
        tcp[0] |= t == GroupStats.Transport.TCP || t == GroupStats.Transport.TCP_ENCRYPTED ? 1 : 0;
      }
    }
    world.allReduce(tcp, ReduceOp.MAX);
    if (tcp[0] > 0 && world.rank() == 0) {
      log.println(
          "warning: tensor parallelism over TCP (a tensor group's ranks reach each other over"
              + " TCP: they span hosts, or shared memory is off): each layer all-reduces about 4 x"
              + " batch x sequence x width values per step; keep each tensor group on one host,"
              + " over shared memory");
    }
  }
}
