package dev.cohort.ops.registry;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/**
 * The append-only {@code alias_history} table, MLflow-style aliases with memory: an alias points at
 * the version of its newest row. Each row links to the row a rollback returns to (see {@link
 * AliasChange}), so promotions push onto a stack and rollbacks pop it: after promoting v1, v2, v3,
 * rollbacks go to v2, then v1.
 */
final class AliasTable {

  /** The alias the gate guards. */
  static final String CHAMPION = "champion";

  private static final String COLUMNS =
      "model, alias, seq, version, previous_seq, reason, set_by, set_at";

  /** Where the alias points now, if it was ever set. */
  Optional<AliasChange> current(Connection c, String model, String alias) throws SQLException {
    return one(c, "ORDER BY seq DESC LIMIT 1", model, alias, null);
  }

  /** One row of the alias's history. */
  Optional<AliasChange> at(Connection c, String model, String alias, long seq) throws SQLException {
    return one(c, "AND seq = ?", model, alias, seq);
  }

  /** Appends a row; call under the write lock, with the seq after {@link #current}'s. */
  void append(Connection c, AliasChange change) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO alias_history (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?)")) {
      s.setString(1, change.model());
      s.setString(2, change.alias());
      s.setLong(3, change.seq());
      s.setInt(4, change.version());
      s.setLong(5, change.previousSeq());
      s.setString(6, change.reason());
      s.setString(7, change.act().actor());
      s.setString(8, change.act().at().toString());
      s.executeUpdate();
    }
  }

  private static Optional<AliasChange> one(
      Connection c, String tail, String model, String alias, Long seq) throws SQLException {
    try (PreparedStatement q =
        c.prepareStatement(
            "SELECT " + COLUMNS + " FROM alias_history WHERE model = ? AND alias = ? " + tail)) {
      q.setString(1, model);
      q.setString(2, alias);
      if (seq != null) {
        q.setLong(3, seq);
      }
      try (ResultSet rs = q.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new AliasChange(
                rs.getString(1),
                rs.getString(2),
                rs.getLong(3),
                rs.getInt(4),
                rs.getLong(5),
                rs.getString(6),
                new Act(rs.getString(7), Instant.parse(rs.getString(8)))));
      }
    }
  }
}
