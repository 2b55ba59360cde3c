package dev.cohort.ops.registry;

import java.time.Instant;
import java.util.Objects;

/**
 * One registered version of a model, as stored.
 *
 * @param model model name
 * @param version version number, 1 for the first registered version of the model
 * @param lineage where it came from
 * @param evaluation how it scored
 * @param createdBy who registered it
 * @param createdAt when it was registered (millisecond precision)
 */
public record ModelVersion(
    String model,
    int version,
    Lineage lineage,
    Evaluation evaluation,
    String createdBy,
    Instant createdAt) {

  /** Requires all parts and a positive version. */
  public ModelVersion {
    Objects.requireNonNull(model, "model");
    if (version < 1) {
      throw new IllegalArgumentException("version must be >= 1, got " + version);
    }
    Objects.requireNonNull(lineage, "lineage");
    Objects.requireNonNull(evaluation, "evaluation");
    Objects.requireNonNull(createdBy, "createdBy");
    Objects.requireNonNull(createdAt, "createdAt");
  }

  /** The name people use, e.g. {@code "demo v2"}. */
  public String label() {
    return model + " v" + version;
  }
}
