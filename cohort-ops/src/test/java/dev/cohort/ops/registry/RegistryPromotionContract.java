package dev.cohort.ops.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Promotion through the gate, forced promotion and rollback; run on every backend. */
interface RegistryPromotionContract {

  RegistryBackend backend();

  /** A version like {@code Fixtures.version(0.80, 0.70)} but with class 6 of test at {@code c6}. */
  private static NewVersion withClass6(double c6) {
    Evaluation e =
        Evaluation.builder()
            .set("test", Fixtures.score(0.80, Fixtures.classes(0.80, 6, c6)))
            .set("shift:noise", Fixtures.score(0.70, Fixtures.classes(0.70, 0, 0.70)))
            .build();
    return new NewVersion("demo", Fixtures.lineage("c6-" + c6), e);
  }

  @Test
  default void firstPromotionShouldAlwaysPass() throws Exception {
    try (Registry registry = Registry.open(backend().newRegistryUrl())) {
      registry.register(Fixtures.version(0.10, 0.05), "alice");
      assertThat(registry.champion("demo")).isEmpty();
      Promotion p = registry.promote("demo", 1, new Gate(0, 0), false, "alice");
      assertThat(p).isInstanceOf(Promotion.Promoted.class);
      Promotion.Promoted promoted = (Promotion.Promoted) p;
      assertThat(promoted.previousChampion()).isNull();
      assertThat(promoted.forced()).isFalse();
      assertThat(registry.champion("demo")).map(ModelVersion::version).contains(1);
      assertThat(registry.audit())
          .last()
          .extracting(AuditEntry::action)
          .isEqualTo(AuditAction.PROMOTE);
    }
  }

  @Test
  default void betterVersionShouldReplaceTheChampion() throws Exception {
    try (Registry registry = Registry.open(backend().newRegistryUrl())) {
      registry.register(Fixtures.version(0.80, 0.70), "alice");
      registry.register(Fixtures.version(0.85, 0.75), "alice");
      registry.promote("demo", 1, Gate.DEFAULT, false, "alice");
      Promotion p = registry.promote("demo", 2, Gate.DEFAULT, false, "bob");
      assertThat(p).isInstanceOf(Promotion.Promoted.class);
      assertThat(((Promotion.Promoted) p).previousChampion()).isEqualTo(1);
      assertThat(p.describe()).isEqualTo("demo v2 is now the champion (replacing v1)");
      assertThat(registry.champion("demo")).map(ModelVersion::version).contains(2);
    }
  }

  @Test
  default void regressionShouldBeRefusedAuditedAndMoveNothing() throws Exception {
    try (Registry registry = Registry.open(backend().newRegistryUrl())) {
      registry.register(withClass6(0.712), "alice");
      registry.register(withClass6(0.641), "alice");
      registry.promote("demo", 1, Gate.DEFAULT, false, "alice");
      Promotion p = registry.promote("demo", 2, new Gate(0.01, 0.02), false, "bob");
      assertThat(p).isInstanceOf(Promotion.Refused.class);
      Promotion.Refused refused = (Promotion.Refused) p;
      assertThat(refused.regressions())
          .containsExactly(new Regression("test class 6 accuracy", 0.712, 0.641, 0.02));
      assertThat(refused.regressions().get(0).describe())
          .isEqualTo("test class 6 accuracy fell from 0.7120 to 0.6410 (allowed drop 0.0200)");
      assertThat(p.describe()).contains("refused to promote demo v2 over champion v1", "--force");
      assertThat(registry.champion("demo")).map(ModelVersion::version).contains(1);
      AuditEntry last = registry.audit().get(registry.audit().size() - 1);
      assertThat(last.action()).isEqualTo(AuditAction.REFUSE);
      assertThat(last.version()).isEqualTo(2);
      assertThat(last.actor()).isEqualTo("bob");
      assertThat(last.detail()).contains("test class 6 accuracy", "0.641", "\"champion\":1");
    }
  }

  @Test
  default void forcedPromotionShouldRecordTheRegressionsItOverrode() throws Exception {
    try (Registry registry = Registry.open(backend().newRegistryUrl())) {
      registry.register(Fixtures.version(0.80, 0.70), "alice");
      registry.register(Fixtures.version(0.70, 0.70), "alice");
      registry.promote("demo", 1, Gate.DEFAULT, false, "alice");
      Promotion p = registry.promote("demo", 2, Gate.DEFAULT, true, "carol");
      assertThat(p).isInstanceOf(Promotion.Promoted.class);
      Promotion.Promoted promoted = (Promotion.Promoted) p;
      assertThat(promoted.forced()).isTrue();
      assertThat(promoted.overridden()).extracting(Regression::metric).contains("test accuracy");
      assertThat(p.describe()).contains("FORCED");
      assertThat(registry.champion("demo")).map(ModelVersion::version).contains(2);
      AuditEntry last = registry.audit().get(registry.audit().size() - 1);
      assertThat(last.action()).isEqualTo(AuditAction.PROMOTE);
      assertThat(last.detail()).contains("\"forced\":true", "\"metric\":\"test accuracy\"");
    }
  }

  @Test
  default void rollbackShouldStepBackOneChampionAtATime() throws Exception {
    try (Registry registry = Registry.open(backend().newRegistryUrl())) {
      for (double accuracy : List.of(0.80, 0.85, 0.90, 0.95)) {
        registry.register(Fixtures.version(accuracy, 0.70), "alice");
      }
      for (int v = 1; v <= 3; v++) {
        registry.promote("demo", v, Gate.DEFAULT, false, "alice");
      }
      assertThat(registry.rollback("demo", "ops").version()).isEqualTo(2);
      assertThat(registry.champion("demo")).map(ModelVersion::version).contains(2);
      assertThat(registry.rollback("demo", "ops").version()).isEqualTo(1);
      assertThatThrownBy(() -> registry.rollback("demo", "ops"))
          .isInstanceOf(RegistryException.class)
          .hasMessageStartingWith("nothing to roll back to: demo v1 is the first champion");
      assertThat(registry.champion("demo")).map(ModelVersion::version).contains(1);
      // A promotion after rollbacks stacks on the restored champion.
      registry.promote("demo", 4, Gate.DEFAULT, false, "alice");
      assertThat(registry.rollback("demo", "ops").version()).isEqualTo(1);
      List<AuditEntry> rollbacks =
          registry.audit().stream().filter(e -> e.action() == AuditAction.ROLLBACK).toList();
      assertThat(rollbacks)
          .extracting(AuditEntry::detail)
          .containsExactly(
              "{\"from\":3,\"to\":2}", "{\"from\":2,\"to\":1}", "{\"from\":4,\"to\":1}");
    }
  }

  @Test
  default void rollbackWithoutAChampionShouldSayThereIsNothingToRollBack() throws Exception {
    try (Registry registry = Registry.open(backend().newRegistryUrl())) {
      registry.register(Fixtures.version(0.80, 0.70), "alice");
      assertThatThrownBy(() -> registry.rollback("demo", "ops"))
          .isInstanceOf(RegistryException.class)
          .hasMessage(
              "model demo has no champion, so there is nothing to roll back; promote a version"
                  + " first");
      assertThatThrownBy(() -> registry.rollback("nope", "ops"))
          .hasMessageStartingWith("no model nope in registry");
    }
  }

  @Test
  default void promotingAnUnknownOrCurrentVersionShouldFailAndAuditNothing() throws Exception {
    try (Registry registry = Registry.open(backend().newRegistryUrl())) {
      registry.register(Fixtures.version(0.80, 0.70), "alice");
      registry.promote("demo", 1, Gate.DEFAULT, false, "alice");
      int entries = registry.audit().size();
      assertThatThrownBy(() -> registry.promote("demo", 9, Gate.DEFAULT, false, "alice"))
          .isInstanceOf(RegistryException.class)
          .hasMessage("no version 9 of model demo (versions: 1)");
      assertThatThrownBy(() -> registry.promote("demo", 1, Gate.DEFAULT, false, "alice"))
          .isInstanceOf(RegistryException.class)
          .hasMessage("demo v1 is already the champion; nothing was changed");
      assertThat(registry.audit()).hasSize(entries);
    }
  }
}
