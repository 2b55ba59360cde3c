package dev.cohort.train.split;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.cohort.comm.CommConfig;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.transport.HostId;
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
  private static final int STOP_CHECK_EVERY = 5;

  private final ProcessGroup world;
  private final TrainConfig cfg;
  private final CommConfig comm;
  private final ListenerThread listener;
  private final PrintStream log;
  private final BooleanSupplier stopRequested;

  /**
   * @param comm the transport settings, to warn of tensor parallelism over TCP
   * @param log where rank 0 says what it warns of
   */
  public SplitTrainer(
      ProcessGroup world,
      TrainConfig cfg,
      CommConfig comm,
      ListenerThread listener,
      PrintStream log,
      BooleanSupplier stopRequested) {
    this.world = world;
    this.cfg = cfg;
    this.comm = comm;
    this.listener = listener;
    this.log = log;
    this.stopRequested = stopRequested;
  }

  /** Trains on {@code corpus}. */
  public LanguageModelTrainer.Result train(TextCorpus corpus) {
    GptConfig g = Models.gptConfig(cfg.model()).withoutDropout();
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
   * Rank 0 warns when a tensor group's all-reduces go over TCP: the group spans hosts, or the
   * transport is TCP. Collective over the world.
   */
  private void warnOfTcp(SplitGroups groups) {
    long[] hosts = world.allGather(new long[] {HostId.current().hashCode()});
    if (!groups.tensor() || world.rank() != 0) {
      return;
    }
    boolean spans = false;
    for (int w = 0; w < hosts.length; w++) {
      spans |= hosts[w] != hosts[w / groups.size() * groups.size()];
    }
    if (spans || comm.transport() == CommConfig.TransportKind.TCP) {
      log.println(
          "warning: tensor parallelism over TCP ("
              + (spans ? "a tensor group spans hosts" : "the transport is tcp")
              + "): each layer all-reduces about 4 x batch x sequence x width values per step;"
              + " keep each tensor group on one host, over shared memory");
    }
  }
}
