package dev.cohort.ops.registry;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * The result of walking the audit chain.
 *
 * @param entries how many entries the log holds
 * @param firstBrokenSeq the first entry that fails verification (or the first missing one), empty
 *     when the chain is intact
 * @param reason one sentence: what is wrong with that entry, or that all entries verify
 */
public record AuditCheck(int entries, OptionalLong firstBrokenSeq, String reason) {

  /** Requires all fields. */
  public AuditCheck {
    Objects.requireNonNull(firstBrokenSeq, "firstBrokenSeq");
    Objects.requireNonNull(reason, "reason");
  }

  /** Whether the whole chain verifies. */
  public boolean intact() {
    return firstBrokenSeq.isEmpty();
  }
}
