package dev.cohort.ops.registry;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads and appends the {@code audit_log} table. {@link #append} must run inside the write
 * transaction of the change it records, which also serializes appenders (see {@link Dialect}).
 */
final class AuditLog {

  private static final String COLUMNS =
      "seq, recorded_at, actor, action, model, version, detail, prev_hash, hash";

  /** Appends one entry chained to the current last entry, and returns it. */
  AuditEntry append(
      Connection c, Act act, AuditAction action, ModelVersion about, Map<String, ?> detail)
      throws SQLException {
    long seq = 1;
    String prevHash = AuditChain.GENESIS;
    try (PreparedStatement head =
            c.prepareStatement("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
        ResultSet rs = head.executeQuery()) {
      if (rs.next()) {
        seq = rs.getLong(1) + 1;
        prevHash = rs.getString(2);
      }
    }
    AuditEntry unsigned =
        new AuditEntry(
            seq,
            act.at(),
            act.actor(),
            action,
            about.model(),
            about.version(),
            JsonCodec.write(detail),
            prevHash,
            "");
    AuditEntry entry = unsigned.withHash(AuditChain.hashOf(unsigned));
    try (PreparedStatement insert =
        c.prepareStatement(
            "INSERT INTO audit_log (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      insert.setLong(1, entry.seq());
      insert.setString(2, entry.at().toString());
      insert.setString(3, entry.actor());
      insert.setString(4, entry.action().name());
      insert.setString(5, entry.model());
      insert.setInt(6, entry.version());
      insert.setString(7, entry.detail());
      insert.setString(8, entry.prevHash());
      insert.setString(9, entry.hash());
      insert.executeUpdate();
    }
    return entry;
  }

  /** Every entry in seq order. */
  List<AuditEntry> readAll(Connection c) throws SQLException {
    List<AuditEntry> entries = new ArrayList<>();
    try (PreparedStatement query =
            c.prepareStatement("SELECT " + COLUMNS + " FROM audit_log ORDER BY seq");
        ResultSet rs = query.executeQuery()) {
      while (rs.next()) {
        entries.add(
            new AuditEntry(
                rs.getLong(1),
                instantOrEpoch(rs.getString(2)),
                rs.getString(3),
                AuditAction.valueOf(rs.getString(4)),
                rs.getString(5),
                rs.getInt(6),
                rs.getString(7),
                rs.getString(8),
                rs.getString(9)));
      }
    }
    return entries;
  }

  /**
   * Parses a stored time. Only a hand-edited row has an unreadable one; reading it as the epoch
   * keeps {@link AuditChain#verify} in charge, which then reports that entry as changed.
   */
  private static Instant instantOrEpoch(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return Instant.EPOCH;
    }
  }
}
