package dev.cohort.ops.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hash-chained audit log, and tampering with it through raw SQL; run on every backend. */
interface RegistryAuditContract {

  RegistryBackend backend();

  /** Registers three versions, promotes, refuses, forces, serves and rolls back: 8 entries. */
  private static void history(Registry registry) {
    registry.register(Fixtures.version(0.80, 0.70), "alice"); // 1
    registry.register(Fixtures.version(0.85, 0.75), "alice"); // 2
    registry.register(Fixtures.version(0.60, 0.50), "alice"); // 3
    registry.promote("demo", 1, Gate.DEFAULT, false, "alice"); // 4
    registry.promote("demo", 3, Gate.DEFAULT, false, "bob"); // 5 refused
    registry.promote("demo", 2, Gate.DEFAULT, true, "carol"); // 6
    registry.recordServe("demo", 2, "server"); // 7
    registry.rollback("demo", "ops"); // 8
  }

  @Test
  default void auditChainShouldVerifyAfterEveryKindOfOperation() throws Exception {
    try (Registry registry = Registry.open(backend().newRegistryUrl())) {
      history(registry);
      List<AuditEntry> entries = registry.audit();
      assertThat(entries)
          .extracting(AuditEntry::summary)
          .containsExactly(
              "REGISTER demo v1",
              "REGISTER demo v2",
              "REGISTER demo v3",
              "PROMOTE demo v1",
              "REFUSE demo v3",
              "PROMOTE demo v2",
              "SERVE demo v2",
              "ROLLBACK demo v1");
      assertThat(entries)
          .extracting(AuditEntry::seq)
          .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
      assertThat(entries.get(0).prevHash()).isEqualTo("0".repeat(64));
      for (int i = 1; i < entries.size(); i++) {
        assertThat(entries.get(i).prevHash()).isEqualTo(entries.get(i - 1).hash());
      }
      assertThat(entries.get(0).detail()).contains(Fixtures.FINGERPRINT);
      AuditCheck check = registry.verifyAudit();
      assertThat(check.intact()).as(check.reason()).isTrue();
      assertThat(check.entries()).isEqualTo(8);
      assertThat(check.reason()).isEqualTo("all 8 entries verify");
    }
  }

  @Test
  default void changedEntryShouldBeDetectedAndNamed() throws Exception {
    String url = backend().newRegistryUrl();
    try (Registry registry = Registry.open(url)) {
      history(registry);
      backend().execute(url, "UPDATE audit_log SET detail = '{\"forced\":false}' WHERE seq = 6");
      AuditCheck check = registry.verifyAudit();
      assertThat(check.firstBrokenSeq()).hasValue(6);
      assertThat(check.reason())
          .isEqualTo("entry 6 (PROMOTE demo v2) was changed: its hash does not match its contents");
    }
  }

  @Test
  default void changedEntryWithRecomputedHashShouldBreakTheNextLink() throws Exception {
    String url = backend().newRegistryUrl();
    try (Registry registry = Registry.open(url)) {
      history(registry);
      AuditEntry o = registry.audit().get(4);
      AuditEntry forged =
          new AuditEntry(
              o.seq(),
              o.at(),
              o.actor(),
              o.action(),
              o.model(),
              o.version(),
              "{}",
              o.prevHash(),
              "");
      try (Connection c = backend().raw(url);
          PreparedStatement s =
              c.prepareStatement("UPDATE audit_log SET detail = ?, hash = ? WHERE seq = 5")) {
        s.setString(1, forged.detail());
        s.setString(2, AuditChain.hashOf(forged));
        s.executeUpdate();
      }
      AuditCheck check = registry.verifyAudit();
      assertThat(check.firstBrokenSeq()).hasValue(6);
      assertThat(check.reason()).startsWith("entry 6 (PROMOTE demo v2) does not follow entry 5");
    }
  }

  @Test
  default void deletedEntryShouldBeDetected() throws Exception {
    String url = backend().newRegistryUrl();
    try (Registry registry = Registry.open(url)) {
      history(registry);
      backend().execute(url, "DELETE FROM audit_log WHERE seq = 3");
      AuditCheck check = registry.verifyAudit();
      assertThat(check.entries()).isEqualTo(7);
      assertThat(check.firstBrokenSeq()).hasValue(3);
      assertThat(check.reason())
          .isEqualTo(
              "entry 3 is missing: the log jumps from entry 2 to entry 4; entries were deleted");
    }
  }

  @Test
  default void reorderedEntriesShouldBeDetected() throws Exception {
    String url = backend().newRegistryUrl();
    try (Registry registry = Registry.open(url)) {
      history(registry);
      backend()
          .execute(
              url,
              "UPDATE audit_log SET seq = 100 WHERE seq = 4",
              "UPDATE audit_log SET seq = 4 WHERE seq = 5",
              "UPDATE audit_log SET seq = 5 WHERE seq = 100");
      AuditCheck check = registry.verifyAudit();
      assertThat(check.firstBrokenSeq()).hasValue(4);
      assertThat(check.reason()).startsWith("entry 4 (REFUSE demo v3) was changed");
    }
  }
}
