package dev.cohort.ops.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuditChainTest {

  private static AuditEntry entry(long seq, String prev, String actor, String model) {
    AuditEntry unsigned =
        new AuditEntry(
            seq,
            Instant.parse("2026-01-02T03:04:05.678Z"),
            actor,
            AuditAction.SERVE,
            model,
            1,
            "{}",
            prev,
            "");
    return unsigned.withHash(AuditChain.hashOf(unsigned));
  }

  private static List<AuditEntry> chain(int length) {
    List<AuditEntry> out = new ArrayList<>();
    String prev = AuditChain.GENESIS;
    for (int seq = 1; seq <= length; seq++) {
      AuditEntry e = entry(seq, prev, "alice", "demo");
      out.add(e);
      prev = e.hash();
    }
    return out;
  }

  @Test
  void hashShouldBeStableSha256Hex() {
    String hash = entry(1, AuditChain.GENESIS, "alice", "demo").hash();
    assertThat(hash).matches("[0-9a-f]{64}");
    assertThat(entry(1, AuditChain.GENESIS, "alice", "demo").hash()).isEqualTo(hash);
  }

  @Test
  void encodingShouldBeUnambiguousAcrossFieldBoundaries() {
    // Moving a character from one field to the next must change the hash.
    assertThat(entry(1, AuditChain.GENESIS, "ab", "c").hash())
        .isNotEqualTo(entry(1, AuditChain.GENESIS, "a", "bc").hash());
  }

  @Test
  void emptyAndIntactChainsShouldVerify() {
    assertThat(AuditChain.verify(List.of()).intact()).isTrue();
    AuditCheck check = AuditChain.verify(chain(5));
    assertThat(check.intact()).isTrue();
    assertThat(check.entries()).isEqualTo(5);
  }

  @Test
  void missingFirstEntryShouldBeNamed() {
    List<AuditEntry> entries = chain(3);
    entries.remove(0);
    AuditCheck check = AuditChain.verify(entries);
    assertThat(check.firstBrokenSeq()).hasValue(1);
    assertThat(check.reason())
        .isEqualTo("entry 1 is missing: the log starts at entry 2; entries were deleted");
  }

  @Test
  void entryFromAnotherChainShouldBreakTheLink() {
    List<AuditEntry> entries = chain(3);
    entries.set(1, entry(2, "f".repeat(64), "alice", "demo"));
    AuditCheck check = AuditChain.verify(entries);
    assertThat(check.firstBrokenSeq()).hasValue(2);
    assertThat(check.reason()).contains("does not follow entry 1");
  }
}
