package dev.cohort.ops.registry;

import dev.cohort.checkpoint.Sha256;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.OptionalLong;

/**
 * Hashes audit entries and verifies the chain.
 *
 * <p>The hash is SHA-256 over a domain tag and the fields seq, at (ISO-8601 instant), actor,
 * action, model, version, detail and prev_hash, each written as its UTF-8 byte length (4 bytes,
 * big-endian) followed by its bytes. Length prefixes make the encoding unambiguous: no two
 * different field lists encode to the same bytes. The chain detects a changed, deleted (except the
 * newest entries) or reordered entry; it cannot detect that the newest entries were cut off, since
 * nothing after them refers to them.
 */
final class AuditChain {

  /** The first entry's prev_hash. */
  static final String GENESIS = "0".repeat(64);

  private static final String DOMAIN = "cohort-audit-v1";

  private AuditChain() {}

  /** The hash of an entry's contents (every field but {@code hash}). */
  static String hashOf(AuditEntry entry) {
    MessageDigest sha = Sha256.digest();
    field(sha, DOMAIN);
    field(sha, Long.toString(entry.seq()));
    field(sha, entry.at().toString());
    field(sha, entry.actor());
    field(sha, entry.action().name());
    field(sha, entry.model());
    field(sha, Integer.toString(entry.version()));
    field(sha, entry.detail());
    field(sha, entry.prevHash());
    return Sha256.hex(sha);
  }

  /** Walks the entries in seq order and reports the first break. */
  static AuditCheck verify(List<AuditEntry> entries) {
    String expectedPrev = GENESIS;
    long expectedSeq = 1;
    for (AuditEntry entry : entries) {
      if (entry.seq() > expectedSeq) {
        String where =
            expectedSeq == 1
                ? "the log starts at entry " + entry.seq()
                : "the log jumps from entry " + (expectedSeq - 1) + " to entry " + entry.seq();
        return broken(
            entries,
            expectedSeq,
            "entry " + expectedSeq + " is missing: " + where + "; entries were deleted");
      }
      if (entry.seq() < expectedSeq) {
        return broken(
            entries,
            entry.seq(),
            "entry " + entry.seq() + " (" + entry.summary() + ") is out of sequence");
      }
      if (!hashOf(entry).equals(entry.hash())) {
        return broken(
            entries,
            entry.seq(),
            "entry "
                + entry.seq()
                + " ("
                + entry.summary()
                + ") was changed: its hash does not match its contents");
      }
      if (!entry.prevHash().equals(expectedPrev)) {
        return broken(
            entries,
            entry.seq(),
            "entry "
                + entry.seq()
                + " ("
                + entry.summary()
                + ") does not follow entry "
                + (entry.seq() - 1)
                + ": its prev_hash is not that entry's hash; entries were replaced or reordered");
      }
      expectedPrev = entry.hash();
      expectedSeq++;
    }
    return new AuditCheck(
        entries.size(), OptionalLong.empty(), "all " + entries.size() + " entries verify");
  }

  private static AuditCheck broken(List<AuditEntry> entries, long seq, String reason) {
    return new AuditCheck(entries.size(), OptionalLong.of(seq), reason);
  }

  private static void field(MessageDigest sha, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    sha.update(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
    sha.update(bytes);
  }
}
