package dev.cohort.ops.models;

import dev.cohort.ops.registry.Evaluation;
import dev.cohort.ops.registry.Lineage;
import dev.cohort.ops.registry.NewVersion;
import dev.cohort.ops.registry.SetScore;
import dev.cohort.ops.watch.Strategy;
import dev.cohort.train.data.FashionMnist;
import dev.cohort.train.data.InMemoryDataset;
import dev.cohort.train.ddp.DistributedTrainer;
import dev.cohort.train.metrics.CodeVersion;
import dev.cohort.train.metrics.EffectiveConfig;
import dev.cohort.train.metrics.Provenance;
import dev.cohort.train.metrics.RunSummary;
import dev.cohort.train.serve.Classifier;
import dev.cohort.train.serve.SavedModel;
import dev.cohort.train.serve.Scores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A finished run folder as a new version of a model: its trained model's digest, its lineage (the
 * run, the code, the effective configuration, workers and strategy, the training data's
 * fingerprint, the time it took) and its scores on the held-out test set, each shifted set and each
 * class, measured afresh on the saved model.
 */
public final class RunVersions {
  private RunVersions() {}

  /**
   * What to register.
   *
   * @param runDir the run folder
   * @param model the model's name in the registry
   * @param dataDir the Fashion-MNIST folder the run trained on
   * @param testLimit test images to score (0: all)
   */
  public record Request(Path runDir, String model, Path dataDir, int testLimit) {}

  /**
   * Scores {@code r}'s run and describes it.
   *
   * @throws IOException naming the file when the run has no summary, configuration or model
   */
  public static NewVersion of(Request r) throws IOException {
    Path run = r.runDir().toAbsolutePath().normalize();
    Path summaryFile = run.resolve(RunSummary.FILE);
    if (!Files.exists(summaryFile)) {
      throw new NoSuchFileException(
          summaryFile + " (the run has not finished: register a run once cohort train has ended)");
    }
    RunSummary summary = RunSummary.read(summaryFile);
    EffectiveConfig config = EffectiveConfig.read(run.resolve(EffectiveConfig.FILE));
    SavedModel saved = SavedModel.newest(run.resolve(DistributedTrainer.MODEL_DIR));
    InMemoryDataset test = FashionMnist.load(r.dataDir(), false);
    if (r.testLimit() > 0 && r.testLimit() < test.size()) {
      test = test.head(r.testLimit());
    }
    Scores scores;
    try (Classifier c = Classifier.load(saved, test.featureShape(), test.classes())) {
      scores = Scores.of(c, test, config.seed());
    }
    Lineage lineage =
        Lineage.builder()
            .runDir(run.toString())
            .codeVersion(codeVersion(run))
            .config(Files.readString(run.resolve(EffectiveConfig.FILE)))
            .worldSize(config.workers())
            .strategy(Strategy.of(config))
            .dataFingerprint(DataFingerprint.of(r.dataDir(), config.trainLimit()))
            .checkpointDigest(saved.sha256())
            .checkpointPath(saved.file().toString())
            .trainingSeconds(summary.wallSeconds())
            .build();
    return new NewVersion(r.model(), lineage, evaluation(scores));
  }

  /**
   * The code the run was trained with, as it recorded it; for a run of an older version, which
   * recorded none, the checkout registering it, marked so.
   */
  static String codeVersion(Path run) throws IOException {
    if (Files.exists(run.resolve(Provenance.FILE))) {
      return Provenance.read(run).codeVersion();
    }
    return CodeVersion.here()
        .map(v -> v + " (at registration; the run recorded none)")
        .orElse(null);
  }

  /** The registry's form of {@code scores}. */
  static Evaluation evaluation(Scores scores) {
    Evaluation.Builder b = Evaluation.builder();
    for (Map.Entry<String, Scores.Set> e : scores.sets().entrySet()) {
      Scores.Set s = e.getValue();
      int missing = s.classAccuracy().indexOf(Double.NaN);
      if (missing >= 0) {
        throw new IllegalArgumentException(
            "the "
                + s.samples()
                + " test images scored hold no image of class "
                + missing
                + ", so its accuracy is unknown: raise --test-limit (or leave it out for all)");
      }
      b.set(e.getKey(), new SetScore(s.samples(), s.accuracy(), s.loss(), s.classAccuracy()));
    }
    return b.build();
  }
}
