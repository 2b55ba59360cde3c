package dev.cohort.ops.registry;

import java.time.Instant;
import java.util.Objects;

/**
 * One entry of the append-only audit log. {@code hash} is SHA-256 over all other fields (see {@link
 * AuditChain}), and {@code prevHash} is the previous entry's hash (64 zeros for the first entry),
 * so changing, deleting or reordering entries breaks the chain.
 *
 * @param seq position in the log, 1 for the first entry, no gaps
 * @param at when it was recorded (millisecond precision)
 * @param actor who acted
 * @param action what was done
 * @param model which model
 * @param version which version (the candidate for PROMOTE and REFUSE, the new champion for
 *     ROLLBACK)
 * @param detail JSON object with the action's particulars (regressions, previous champion, ...)
 * @param prevHash the previous entry's hash, hex
 * @param hash this entry's hash, hex
 */
public record AuditEntry(
    long seq,
    Instant at,
    String actor,
    AuditAction action,
    String model,
    int version,
    String detail,
    String prevHash,
    String hash) {

  /** Requires all fields. */
  public AuditEntry {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(prevHash, "prevHash");
    Objects.requireNonNull(hash, "hash");
  }

  /** The same entry with another hash. */
  public AuditEntry withHash(String newHash) {
    return new AuditEntry(seq, at, actor, action, model, version, detail, prevHash, newHash);
  }

  /** What it records, e.g. {@code "PROMOTE demo v2"}. */
  public String summary() {
    return action + " " + model + " v" + version;
  }
}
