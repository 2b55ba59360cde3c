package dev.cohort.ops.registry;

import java.util.Objects;

/**
 * A trained model to register: the registry assigns its version number.
 *
 * @param model model name: letters, digits, '.', '_' or '-', at most 128 characters
 * @param lineage where it came from
 * @param evaluation how it scored
 */
public record NewVersion(String model, Lineage lineage, Evaluation evaluation) {

  /** Validates the name and requires all parts. */
  public NewVersion {
    ModelNames.require(model);
    Objects.requireNonNull(lineage, "lineage");
    Objects.requireNonNull(evaluation, "evaluation");
  }
}
