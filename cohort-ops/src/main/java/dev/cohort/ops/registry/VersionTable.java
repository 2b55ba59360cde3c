package dev.cohort.ops.registry;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads and writes the {@code model_version} table: lineage as columns, the evaluation as JSON
 * text, times as ISO-8601 text (exact on both databases).
 */
final class VersionTable {

  private static final String COLUMNS =
      "model, version, run_dir, code_version, config, world_size, strategy, data_fingerprint,"
          + " checkpoint_digest, checkpoint_path, training_seconds, evaluation, created_by,"
          + " created_at";

  /** The number the model's next version gets: 1 for a new model. Call under the write lock. */
  int nextVersion(Connection c, String model) throws SQLException {
    try (PreparedStatement q =
        c.prepareStatement("SELECT COALESCE(MAX(version), 0) FROM model_version WHERE model = ?")) {
      q.setString(1, model);
      try (ResultSet rs = q.executeQuery()) {
        rs.next();
        return rs.getInt(1) + 1;
      }
    }
  }

  /** Inserts a version; its (model, version) must be new. */
  void insert(Connection c, ModelVersion v) throws SQLException {
    Lineage l = v.lineage();
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO model_version (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
      s.setString(1, v.model());
      s.setInt(2, v.version());
      s.setString(3, l.runDir());
      if (l.codeVersion() == null) {
        s.setNull(4, Types.VARCHAR);
      } else {
        s.setString(4, l.codeVersion());
      }
      s.setString(5, l.config());
      s.setInt(6, l.worldSize());
      s.setString(7, l.strategy());
      s.setString(8, l.dataFingerprint());
      s.setString(9, l.checkpointDigest());
      s.setString(10, l.checkpointPath());
      s.setDouble(11, l.trainingSeconds());
      s.setString(12, JsonCodec.write(v.evaluation()));
      s.setString(13, v.createdBy());
      s.setString(14, v.createdAt().toString());
      s.executeUpdate();
    }
  }

  /** One version, if registered. */
  Optional<ModelVersion> find(Connection c, String model, int version) throws SQLException {
    List<ModelVersion> found = query(c, "WHERE model = ? AND version = ?", model, version);
    return found.stream().findFirst();
  }

  /** All versions of a model, oldest first; empty for an unknown model. */
  List<ModelVersion> list(Connection c, String model) throws SQLException {
    return query(c, "WHERE model = ? ORDER BY version", model, null);
  }

  /** The model's version numbers, ascending. */
  List<Integer> versionNumbers(Connection c, String model) throws SQLException {
    List<Integer> numbers = new ArrayList<>();
    try (PreparedStatement q =
        c.prepareStatement("SELECT version FROM model_version WHERE model = ? ORDER BY version")) {
      q.setString(1, model);
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          numbers.add(rs.getInt(1));
        }
      }
    }
    return numbers;
  }

  /** Every model name with at least one version, sorted (by Java, not the database's collation). */
  List<String> models(Connection c) throws SQLException {
    List<String> names = new ArrayList<>();
    try (PreparedStatement q = c.prepareStatement("SELECT DISTINCT model FROM model_version");
        ResultSet rs = q.executeQuery()) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    names.sort(null);
    return names;
  }

  private static List<ModelVersion> query(Connection c, String where, String model, Integer version)
      throws SQLException {
    List<ModelVersion> out = new ArrayList<>();
    try (PreparedStatement q =
        c.prepareStatement("SELECT " + COLUMNS + " FROM model_version " + where)) {
      q.setString(1, model);
      if (version != null) {
        q.setInt(2, version);
      }
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          out.add(row(rs));
        }
      }
    }
    return out;
  }

  private static ModelVersion row(ResultSet rs) throws SQLException {
    String model = rs.getString(1);
    int version = rs.getInt(2);
    Lineage lineage =
        Lineage.builder()
            .runDir(rs.getString(3))
            .codeVersion(rs.getString(4))
            .config(rs.getString(5))
            .worldSize(rs.getInt(6))
            .strategy(rs.getString(7))
            .dataFingerprint(rs.getString(8))
            .checkpointDigest(rs.getString(9))
            .checkpointPath(rs.getString(10))
            .trainingSeconds(rs.getDouble(11))
            .build();
    Evaluation evaluation = JsonCodec.readEvaluation(rs.getString(12), model + " v" + version);
    return new ModelVersion(
        model, version, lineage, evaluation, rs.getString(13), Instant.parse(rs.getString(14)));
  }
}
