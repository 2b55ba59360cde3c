package dev.cohort.train.pipeline;

import dev.cohort.comm.ProcessGroup;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.data.text.TextCorpus;
import dev.cohort.train.ddp.PeakMemory;
import dev.cohort.train.metrics.ConsoleProgress;
import dev.cohort.train.metrics.EffectiveConfig;
import dev.cohort.train.metrics.ListenerThread;
import dev.cohort.train.metrics.MemoryReport;
import dev.cohort.train.metrics.RankSteps;
import dev.cohort.train.metrics.RunListener;
import dev.cohort.train.metrics.RunRecorder;
import dev.cohort.train.metrics.RunSummary;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * A language-model run as {@code cohort worker} runs it: rank 0 writes the run folder (config.json,
 * metrics.csv, history.json, summary.json) and prints each epoch's validation loss and perplexity
 * and the text the model writes at the end. Collective.
 */
public final class LanguageModelRun {
  private LanguageModelRun() {}

  /** What trains the model: pipelines ({@link LanguageModelTrainer}) or split layers. */
  @FunctionalInterface
  public interface Trainer {
    /** Trains, telling {@code events} about steps and epochs. */
    LanguageModelTrainer.Result train(ListenerThread events);
  }

  /** Trains with pipelines and data parallelism ({@link LanguageModelTrainer}). */
  public static RunSummary train(
      ProcessGroup pg,
      TrainConfig cfg,
      TextCorpus corpus,
      RunListener listener,
      PrintStream out,
      BooleanSupplier stopRequested)
      throws IOException {
    return train(
        pg,
        cfg,
        corpus,
        listener,
        out,
        events -> new LanguageModelTrainer(pg, cfg, events, out, stopRequested).train(corpus));
  }

  /**
   * Trains {@code cfg}'s language model on {@code corpus}.
   *
   * @param listener told about steps and epochs (heartbeats, the rank's log)
   * @param trainer what trains the model
   * @return the run summary, on every rank
   * @throws IOException if rank 0 cannot write memory.json
   */
  public static RunSummary train(
      ProcessGroup pg,
      TrainConfig cfg,
      TextCorpus corpus,
      RunListener listener,
      PrintStream out,
      Trainer trainer)
      throws IOException {
    long t0 = System.nanoTime();
    boolean lead = pg.rank() == 0;
    RunRecorder recorder = lead && cfg.runDir() != null ? new RunRecorder(cfg.runDir()) : null;
    RankSteps rankSteps = RankSteps.of(cfg.runDir(), pg, PeakMemory::residentNow);
    try {
      List<RunListener> all = new ArrayList<>();
      if (lead && cfg.progress()) {
        all.add(new ConsoleProgress(out, System.console() != null));
      }
      if (recorder != null) {
        all.add(recorder);
      }
      if (rankSteps != null) {
        all.add(rankSteps);
      }
      all.add(listener);
      LanguageModelTrainer.Result r;
      try (ListenerThread events = new ListenerThread(RunListener.all(all))) {
        r = trainer.train(events);
        events.flush();
      }
      if (lead) {
        if (!cfg.split().active()) {
          out.println("stages: " + r.partition());
        }
        for (int e = 0; e < r.validation().size(); e++) {
          PipelineInference.Evaluation v = r.validation().get(e);
          out.printf(
              Locale.ROOT,
              "epoch %d: train loss %.4f, validation loss %.4f, perplexity %.2f, next-character"
                  + " accuracy %.4f (%,d characters)%n",
              r.epochNumbers().get(e),
              r.trainLoss().get(e),
              v.loss(),
              v.perplexity(),
              v.accuracy(),
              v.tokens());
        }
        if (r.validation().isEmpty()) {
          out.printf(
              Locale.ROOT,
              "nothing left to train after step %d: validation loss %.4f, perplexity %.2f%n",
              r.steps(),
              r.finalValidation().loss(),
              r.finalValidation().perplexity());
        }
        if (!r.generated().isEmpty()) {
          out.println("generated:\n" + r.generated());
        }
        out.print(r.memory().table());
        if (cfg.runDir() != null) {
          r.memory().write(cfg.runDir().resolve(MemoryReport.FILE));
        }
      }
      List<Long> peaks =
          r.memory().workers().stream().map(MemoryReport.Worker::peakRssBytes).toList();
      RunSummary summary = summary(cfg, pg.size(), corpus, r, t0, peaks);
      return recorder != null ? recorder.writeSummary(summary) : summary;
    } finally {
      try {
        if (recorder != null) {
          recorder.close();
        }
      } finally {
        if (rankSteps != null) {
          rankSteps.close();
        }
      }
    }
  }

  private static RunSummary summary(
      TrainConfig cfg,
      int workers,
      TextCorpus corpus,
      LanguageModelTrainer.Result r,
      long t0,
      List<Long> peakMemory) {
    List<RunSummary.Epoch> epochs = new ArrayList<>();
    for (int e = 0; e < r.validation().size(); e++) {
      epochs.add(
          new RunSummary.Epoch(
              r.epochNumbers().get(e),
              r.trainLoss().get(e),
              r.validation().get(e).accuracy(),
              r.epochSeconds().get(e)));
    }
    double trainSeconds = r.breakdown().seconds();
    int pipelines = workers / cfg.pipelining().stages() / cfg.split().tensor();
    return new RunSummary(
            EffectiveConfig.of(cfg, workers, corpus.description()),
            epochs,
            r.steps(),
            r.stoppedAtStep() > 0 ? r.stoppedAtStep() : null,
            trainSeconds,
            (System.nanoTime() - t0) / 1e9,
            r.breakdown().samples() * pipelines / Math.max(1e-9, trainSeconds),
            r.breakdown().perStepMillis(),
            peakMemory,
            r.finalValidation().accuracy(),
            r.trainEvaluation().accuracy(),
            new TreeMap<>(),
            r.trainLoss().isEmpty() ? null : r.trainLoss().get(r.trainLoss().size() - 1),
            r.checkpoints())
        .withExperts(r.experts());
  }
}
