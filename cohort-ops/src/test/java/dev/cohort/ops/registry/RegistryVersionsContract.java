package dev.cohort.ops.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Registering and reading versions; run on every backend. */
interface RegistryVersionsContract {

  RegistryBackend backend();

  @Test
  default void registerShouldNumberVersionsPerModelFromOne() throws Exception {
    try (Registry registry = Registry.open(backend().newRegistryUrl())) {
      assertThat(registry.register(Fixtures.version(0.80, 0.70), "alice").version()).isEqualTo(1);
      assertThat(registry.register(Fixtures.version(0.81, 0.70), "alice").version()).isEqualTo(2);
      NewVersion other =
          new NewVersion("other", Fixtures.lineage("o"), Fixtures.evaluation(.5, .4));
      assertThat(registry.register(other, "bob").version()).isEqualTo(1);
      assertThat(registry.register(Fixtures.version(0.82, 0.70), "alice").version()).isEqualTo(3);
      assertThat(registry.models()).containsExactly("demo", "other");
    }
  }

  @Test
  default void registeredVersionShouldRoundTripLineageAndEvaluationExactly() throws Exception {
    String url = backend().newRegistryUrl();
    Lineage lineage =
        Lineage.builder()
            .runDir("/runs/ünïcode run")
            .codeVersion(null)
            .config("{\"b\": [1, 2.5e-7], \"a\": {\"x\": \"y\"}}")
            .worldSize(7)
            .strategy("ddp-hd")
            .dataFingerprint(Fixtures.FINGERPRINT)
            .checkpointDigest("ef".repeat(32))
            .checkpointPath("/runs/x/ckpt")
            .trainingSeconds(1234.5678901234567)
            .build();
    Evaluation evaluation =
        Evaluation.builder()
            .set("shift:dim", new SetScore(77, 0.1 + 0.2, Double.MIN_VALUE, List.of(1.0, 0.0)))
            .set("test", new SetScore(10_000_000_000L, 0.912345678901234, 0.3, List.of(0.9, 1e-9)))
            .build();
    ModelVersion registered;
    try (Registry registry = Registry.open(url)) {
      registered = registry.register(new NewVersion("demo", lineage, evaluation), "alice");
    }
    try (Registry reopened = Registry.open(url)) {
      ModelVersion read = reopened.get("demo", 1);
      assertThat(read).isEqualTo(registered);
      assertThat(read.lineage()).isEqualTo(lineage);
      assertThat(read.evaluation()).isEqualTo(evaluation);
      assertThat(read.evaluation().sets().keySet()).containsExactly("test", "shift:dim");
      assertThat(read.createdBy()).isEqualTo("alice");
    }
  }

  @Test
  default void listShouldReturnEveryVersionOldestFirst() throws Exception {
    try (Registry registry = Registry.open(backend().newRegistryUrl())) {
      registry.register(Fixtures.version(0.80, 0.70), "alice");
      registry.register(Fixtures.version(0.90, 0.70), "alice");
      assertThat(registry.list("demo"))
          .extracting(ModelVersion::version, v -> v.evaluation().sets().get("test").accuracy())
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(1, 0.80),
              org.assertj.core.groups.Tuple.tuple(2, 0.90));
    }
  }

  @Test
  default void unknownVersionShouldBeNamedWithTheVersionsThatExist() throws Exception {
    try (Registry registry = Registry.open(backend().newRegistryUrl())) {
      registry.register(Fixtures.version(0.80, 0.70), "alice");
      registry.register(Fixtures.version(0.81, 0.70), "alice");
      assertThat(registry.find("demo", 7)).isEmpty();
      assertThat(registry.find("demo", 2)).isPresent();
      assertThatThrownBy(() -> registry.get("demo", 7))
          .isInstanceOf(RegistryException.class)
          .hasMessage("no version 7 of model demo (versions: 1, 2)");
    }
  }

  @Test
  default void unknownModelShouldBeNamedWithTheModelsThatExist() throws Exception {
    try (Registry registry = Registry.open(backend().newRegistryUrl())) {
      assertThatThrownBy(() -> registry.list("demo"))
          .isInstanceOf(RegistryException.class)
          .hasMessageContaining("no model demo in registry")
          .hasMessageContaining("(models: none yet)");
      registry.register(Fixtures.version(0.80, 0.70), "alice");
      assertThatThrownBy(() -> registry.get("nope", 1))
          .isInstanceOf(RegistryException.class)
          .hasMessageStartingWith("no model nope in registry " + registry.location())
          .hasMessageContaining("(models: demo)");
    }
  }

  @Test
  default void registerShouldRejectAConfigThatIsNotJsonAndStoreNothing() throws Exception {
    try (Registry registry = Registry.open(backend().newRegistryUrl())) {
      Lineage bad =
          Lineage.builder()
              .runDir("/r")
              .config("{epochs: 3")
              .strategy("ddp")
              .dataFingerprint("f")
              .checkpointDigest("d")
              .checkpointPath("/r/c")
              .build();
      assertThatThrownBy(
              () ->
                  registry.register(
                      new NewVersion("demo", bad, Fixtures.evaluation(.8, .7)), "alice"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("the training config of model demo is not valid JSON");
      assertThat(registry.models()).isEmpty();
      assertThat(registry.audit()).isEmpty();
    }
  }

  @Test
  default void registryShouldShareADatabaseThatAlreadyHoldsOtherTables() throws Exception {
    String url = backend().newRegistryUrl();
    backend()
        .execute(url, "CREATE TABLE unrelated (id INTEGER)", "INSERT INTO unrelated VALUES (7)");
    try (Registry registry = Registry.open(url)) {
      assertThat(registry.register(Fixtures.version(0.8, 0.7), "alice").version()).isEqualTo(1);
    }
    try (Registry reopened = Registry.open(url)) {
      assertThat(reopened.list("demo")).hasSize(1);
    }
  }
}
