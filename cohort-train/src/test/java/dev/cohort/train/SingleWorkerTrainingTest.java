package dev.cohort.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.Secrets;
import dev.cohort.comm.World;
import dev.cohort.train.data.FashionMnist;
import dev.cohort.train.data.InMemoryDataset;
import dev.cohort.train.metrics.Provenance;
import dev.cohort.train.metrics.RunSummary;
import dev.cohort.train.serve.Classifier;
import dev.cohort.train.serve.SavedModel;
import dev.cohort.train.serve.Scores;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One worker (a world of one) trains the MLP on a slice of Fashion-MNIST and writes its run folder.
 */
@Timeout(300)
class SingleWorkerTrainingTest {

  @Test
  void aWorldOfOneShouldLearnAndWriteTheRunFolder(@TempDir Path dir) throws Exception {
    TrainConfig cfg =
        TrainConfig.builder()
            .model("mlp")
            .seed(7)
            .bucketBytes(1 << 20)
            .checkEvery(10)
            .trainLimit(6400)
            .testLimit(2000)
            .runDir(dir.resolve("run"))
            .build();
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    RunSummary summary =
        TrainWorker.run(
            CommConfig.defaults(Secrets.generate()),
            new World("127.0.0.1", 0, 0, 1, 0, true, 0, "test"),
            TrainWorker.Job.of(cfg),
            new PrintStream(console, true));
    assertThat(summary.finalTestAccuracy()).isGreaterThan(0.6);
    assertThat(Files.readAllLines(dir.resolve("run/metrics.csv"))).hasSize(1 + 100);
    assertThat(dir.resolve("run/summary.json")).exists();
    assertThat(dir.resolve("run/config.json")).exists();
    assertThat(dir.resolve("run/model/mlp-0000.params")).as("the final model, DJL format").exists();
    assertThat(console.toString()).contains("Run summary").contains("test accuracy");
    assertThat(Files.readAllLines(dir.resolve("run/ranks/rank-0.csv"))).hasSize(2 + 100);
    Provenance provenance = Provenance.read(dir.resolve("run"));
    assertThat(provenance.user()).isEqualTo(System.getProperty("user.name"));
    assertThat(provenance.javaVersion()).isEqualTo(Runtime.version().toString());

    // The saved model, loaded for serving, scores exactly as training's own evaluation did.
    SavedModel saved = SavedModel.newest(dir.resolve("run/model"));
    assertThat(saved.name()).isEqualTo("mlp");
    assertThat(saved.sha256()).hasSize(64);
    InMemoryDataset test = FashionMnist.load(FashionMnist.DEFAULT_DIR, false).head(2000);
    try (Classifier c = Classifier.load(saved, test.featureShape(), test.classes())) {
      Scores scores = Scores.of(c, test, cfg.seed());
      assertThat(scores.sets().get(Scores.TEST).accuracy()).isEqualTo(summary.finalTestAccuracy());
      assertThat(scores.sets().get(Scores.TEST).samples()).isEqualTo(2000);
      for (Map.Entry<String, Double> shift : summary.shiftedTestAccuracy().entrySet()) {
        assertThat(scores.sets().get("shift:" + shift.getKey()).accuracy())
            .as(shift.getKey())
            .isEqualTo(shift.getValue());
      }
      Scores.Set s = scores.sets().get(Scores.TEST);
      assertThat(s.loss()).isBetween(0.05, 2.0);
      long right = 0;
      long[] perClass = new long[10];
      for (int i = 0; i < 2000; i++) {
        perClass[test.label(i)]++;
      }
      for (int k = 0; k < 10; k++) {
        right += Math.round(s.classAccuracy().get(k) * perClass[k]);
      }
      assertThat(right).as("classes add up").isEqualTo(Math.round(s.accuracy() * 2000));
      float[] image = new float[test.featureSize()];
      test.copyFeatures(0, image, 0);
      Classifier.Prediction p = c.predict(image);
      assertThat(p.probabilities()).hasSize(10);
      float sum = 0;
      for (float v : p.probabilities()) {
        sum += v;
      }
      assertThat(sum).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-4f));
      assertThatThrownBy(() -> c.predict(new float[3]))
          .hasMessageContaining("a sample has 784 values [1, 28, 28], got 3");
    }
  }
}
