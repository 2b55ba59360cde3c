package dev.cohort.ops.registry;

import java.util.Objects;

/**
 * Where a model version came from: enough to find, reproduce and verify it.
 *
 * @param runDir the training run's folder
 * @param codeVersion the git commit the run was started from (+dirty when it had changes), as the
 *     run recorded it; null outside git
 * @param config the effective training configuration as JSON text
 * @param worldSize how many workers trained it
 * @param strategy the distributed strategy, e.g. {@code "ddp-ring"}
 * @param dataFingerprint SHA-256 (hex) of the training data
 * @param checkpointDigest SHA-256 (hex) of the checkpoint
 * @param checkpointPath where the checkpoint lies
 * @param trainingSeconds wall-clock training time in seconds
 */
public record Lineage(
    String runDir,
    String codeVersion,
    String config,
    int worldSize,
    String strategy,
    String dataFingerprint,
    String checkpointDigest,
    String checkpointPath,
    double trainingSeconds) {

  /** Requires every field except {@code codeVersion}, at least one worker and a finite time. */
  public Lineage {
    Objects.requireNonNull(runDir, "runDir");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(dataFingerprint, "dataFingerprint");
    Objects.requireNonNull(checkpointDigest, "checkpointDigest");
    Objects.requireNonNull(checkpointPath, "checkpointPath");
    if (worldSize < 1) {
      throw new IllegalArgumentException("worldSize must be >= 1, got " + worldSize);
    }
    if (!(trainingSeconds >= 0.0) || Double.isInfinite(trainingSeconds)) {
      throw new IllegalArgumentException(
          "trainingSeconds must be finite and >= 0, got " + trainingSeconds);
    }
  }

  /** Starts a lineage with no fields set; {@code worldSize} defaults to 1. */
  public static Builder builder() {
    return new Builder();
  }

  /** Collects lineage fields; not thread-safe. */
  public static final class Builder {
    private String runDir;
    private String codeVersion;
    private String config = "{}";
    private int worldSize = 1;
    private String strategy;
    private String dataFingerprint;
    private String checkpointDigest;
    private String checkpointPath;
    private double trainingSeconds;

    private Builder() {}

    /** The training run's folder. */
    public Builder runDir(String value) {
      runDir = value;
      return this;
    }

    /** The git commit, or null when unknown. */
    public Builder codeVersion(String value) {
      codeVersion = value;
      return this;
    }

    /** The effective training configuration as JSON text; defaults to {@code {}}. */
    public Builder config(String value) {
      config = value;
      return this;
    }

    /** How many workers trained it. */
    public Builder worldSize(int value) {
      worldSize = value;
      return this;
    }

    /** The distributed strategy. */
    public Builder strategy(String value) {
      strategy = value;
      return this;
    }

    /** SHA-256 (hex) of the training data. */
    public Builder dataFingerprint(String value) {
      dataFingerprint = value;
      return this;
    }

    /** SHA-256 (hex) of the checkpoint. */
    public Builder checkpointDigest(String value) {
      checkpointDigest = value;
      return this;
    }

    /** Where the checkpoint lies. */
    public Builder checkpointPath(String value) {
      checkpointPath = value;
      return this;
    }

    /** Wall-clock training time in seconds. */
    public Builder trainingSeconds(double value) {
      trainingSeconds = value;
      return this;
    }

    /** Builds the lineage, failing on a missing field. */
    public Lineage build() {
      return new Lineage(
          runDir,
          codeVersion,
          config,
          worldSize,
          strategy,
          dataFingerprint,
          checkpointDigest,
          checkpointPath,
          trainingSeconds);
    }
  }
}
