package dev.cohort.ops.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.ops.registry.AuditAction;
import dev.cohort.ops.registry.AuditEntry;
import dev.cohort.ops.registry.Gate;
import dev.cohort.ops.registry.ModelVersion;
import dev.cohort.ops.registry.Promotion;
import dev.cohort.ops.registry.Registry;
import dev.cohort.ops.registry.RegistryBackend;
import dev.cohort.train.data.FashionMnist;
import dev.cohort.train.data.InMemoryDataset;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Versions of real trained runs on a registry: registered with their scores, promoted, a regression
 * refused, and a champion served over HTTP that follows promotions and rollbacks without a restart
 * (its answers name the version that gave them), every step audited.
 */
interface ServingContract {
  HttpClient HTTP = HttpClient.newHttpClient();
  ObjectMapper JSON = new ObjectMapper();
  Path DATA = FashionMnist.DEFAULT_DIR;

  RegistryBackend backend();

  private static ModelVersion register(Registry registry, String run) throws Exception {
    return registry.register(
        RunVersions.of(new RunVersions.Request(TrainedRuns.get(run), "fashion", DATA, 1000)),
        "tester");
  }

  private static JsonNode ask(ModelServer server, float[] image) throws Exception {
    String token = server.url().getQuery().substring("token=".length());
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(server.url().resolve("/predict"))
                .header("Authorization", "Bearer " + token)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"pixels\": " + Arrays.toString(image) + "}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private static ModelServer serve(Registry registry, String model, ByteArrayOutputStream log)
      throws Exception {
    return ModelServer.start(
        registry,
        model,
        new ModelServer.Settings("127.0.0.1", 0, Duration.ofMillis(100), "server"),
        new PrintStream(log, true));
  }

  private static void awaitVersion(ModelServer server, float[] image, int version)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (ask(server, image).get("version").asInt() != version) {
      assertThat(System.nanoTime()).as("serving v" + version).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  @Test
  default void registerPromoteRefuseAndRollBackWhileServing(@TempDir Path tmp) throws Exception {
    String url = backend().newRegistryUrl();
    InMemoryDataset test = FashionMnist.load(DATA, false);
    float[] image = new float[test.featureSize()];
    test.copyFeatures(0, image, 0);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    try (Registry registry = Registry.open(url)) {
      ModelVersion good = register(registry, "good");
      ModelVersion better = register(registry, "better");
      ModelVersion poor = register(registry, "poor");
      assertThat(List.of(good.version(), better.version(), poor.version()))
          .containsExactly(1, 2, 3);
      assertThat(good.lineage().worldSize()).isEqualTo(1);
      assertThat(good.lineage().strategy()).isEqualTo("data parallel");
      assertThat(good.lineage().dataFingerprint())
          .startsWith("sha256:")
          .endsWith("first 6400 samples");
      assertThat(good.lineage().checkpointDigest()).hasSize(64);
      assertThat(good.lineage().codeVersion())
          .as("the code the run recorded when it started")
          .isEqualTo(
              dev.cohort.train.metrics.Provenance.read(TrainedRuns.get("good")).codeVersion());
      assertThat(good.evaluation().sets().keySet())
          .containsExactlyInAnyOrder("test", "shift:noise", "shift:rotation", "shift:contrast");
      assertThat(good.evaluation().sets().get("test").classAccuracy()).hasSize(10);
      // Scored afresh on the saved model, the same 1,000 test images training evaluated on.
      double trained =
          dev.cohort.train.metrics.RunSummary.read(TrainedRuns.get("good").resolve("summary.json"))
              .finalTestAccuracy();
      assertThat(good.evaluation().sets().get("test").accuracy()).isEqualTo(trained);

      assertThat(registry.promote("fashion", 1, Gate.DEFAULT, false, "tester"))
          .isInstanceOf(Promotion.Promoted.class);
      try (ModelServer server = serve(registry, "fashion", log)) {
        JsonNode first = ask(server, image);
        assertThat(first.get("model").asText()).isEqualTo("fashion");
        assertThat(first.get("version").asInt()).isEqualTo(1);
        assertThat(first.get("probabilities")).hasSize(10);
        assertThat(first.get("class_name").asText()).isNotEmpty();
        String token = server.url().getQuery().substring("token=".length());
        HttpResponse<String> noToken =
            HTTP.send(
                HttpRequest.newBuilder(server.url().resolve("/version")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(noToken.statusCode()).isEqualTo(401);
        HttpResponse<String> bad =
            HTTP.send(
                HttpRequest.newBuilder(server.url().resolve("/predict?token=" + token))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"pixels\": [1, 2]}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("a sample has 784 values [1, 28, 28], got 2");
        HttpResponse<String> version =
            HTTP.send(
                HttpRequest.newBuilder(server.url().resolve("/version?token=" + token)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(version.body()).isEqualTo("{\"model\":\"fashion\",\"version\":1}");

        // A version trained on more data: better on the test set, yet the gate finds a class it
        // got worse at on a shifted set (a silent regression); forced through, which is audited.
        Promotion held = registry.promote("fashion", 2, Gate.DEFAULT, false, "tester");
        assertThat(held).isInstanceOf(Promotion.Refused.class);
        assertThat(better.evaluation().sets().get("test").accuracy())
            .isGreaterThan(good.evaluation().sets().get("test").accuracy());
        Promotion up = registry.promote("fashion", 2, Gate.DEFAULT, true, "tester");
        assertThat(up)
            .isInstanceOfSatisfying(
                Promotion.Promoted.class,
                p -> {
                  assertThat(p.forced()).isTrue();
                  assertThat(p.overridden()).isNotEmpty();
                });
        awaitVersion(server, image, 2);

        // The poor one is refused: the champion, and what is served, stay.
        Promotion refused = registry.promote("fashion", 3, Gate.DEFAULT, false, "tester");
        assertThat(refused).isInstanceOf(Promotion.Refused.class);
        assertThat(refused.describe())
            .containsPattern("test accuracy fell from 0\\.\\d{4} to 0\\.\\d{4}");
        assertThat(registry.champion("fashion").orElseThrow().version()).isEqualTo(2);
        Thread.sleep(300);
        assertThat(ask(server, image).get("version").asInt()).isEqualTo(2);

        // One command back: the previous champion answers again, without a restart.
        assertThat(registry.rollback("fashion", "tester").version()).isEqualTo(1);
        awaitVersion(server, image, 1);
      }
      List<AuditEntry> audit = registry.audit();
      assertThat(audit)
          .extracting(AuditEntry::action)
          .containsExactly(
              AuditAction.REGISTER,
              AuditAction.REGISTER,
              AuditAction.REGISTER,
              AuditAction.PROMOTE,
              AuditAction.SERVE,
              AuditAction.REFUSE,
              AuditAction.PROMOTE,
              AuditAction.SERVE,
              AuditAction.REFUSE,
              AuditAction.ROLLBACK,
              AuditAction.SERVE);
      assertThat(
              audit.stream().filter(e -> e.action() == AuditAction.SERVE).map(AuditEntry::version))
          .containsExactly(1, 2, 1);
      assertThat(registry.verifyAudit().intact()).isTrue();
    }
    assertThat(log.toString(StandardCharsets.UTF_8))
        .contains("serving fashion v1 at http://127.0.0.1:")
        .contains("serving fashion v2 (the champion moved from v1)")
        .contains("serving fashion v1 (the champion moved from v2)");
  }

  @Test
  default void aModelFileChangedSinceRegistrationIsNeverServed(@TempDir Path tmp) throws Exception {
    Path copy = tmp.resolve("copy");
    Files.createDirectories(copy.resolve("model"));
    Path run = TrainedRuns.get("good");
    for (String f : List.of("summary.json", "config.json")) {
      Files.copy(run.resolve(f), copy.resolve(f));
    }
    Files.copy(run.resolve("model/mlp-0000.params"), copy.resolve("model/mlp-0000.params"));
    // The code lineage is what the run recorded when it started, not the registering checkout.
    new dev.cohort.train.metrics.Provenance("sentinel-commit", "u", "h", "17", "t").write(copy);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    try (Registry registry = Registry.open(backend().newRegistryUrl())) {
      register(registry, "good");
      ModelVersion copied =
          registry.register(
              RunVersions.of(new RunVersions.Request(copy, "fashion", DATA, 1000)), "tester");
      assertThat(copied.lineage().codeVersion()).isEqualTo("sentinel-commit");
      registry.promote("fashion", 1, Gate.DEFAULT, false, "tester");
      Files.write(copy.resolve("model/mlp-0000.params"), new byte[] {1}, StandardOpenOption.APPEND);
      try (ModelServer server = serve(registry, "fashion", log)) {
        registry.promote("fashion", 2, Gate.DEFAULT, true, "tester");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!log.toString(StandardCharsets.UTF_8)
            .contains("warning: still serving fashion v1")) {
          assertThat(System.nanoTime()).isLessThan(deadline);
          Thread.sleep(50);
        }
        assertThat(log.toString(StandardCharsets.UTF_8))
            .contains(
                "not the " + registry.find("fashion", 2).orElseThrow().lineage().checkpointDigest())
            .contains("register the run again");
        assertThat(server.serving().version()).isEqualTo(1);
      }
      registry.rollback("fashion", "tester");
      assertThatThrownBy(() -> serve(registry, "other", log))
          .hasMessageContaining("model other has no champion to serve");
    }
  }
}
