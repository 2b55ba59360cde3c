package dev.cohort.ops.registry;

import java.util.Objects;
import java.util.OptionalDouble;

/**
 * One line of a {@link ModelDiff}.
 *
 * @param section what kind of difference
 * @param key what differs, e.g. {@code "strategy"}, {@code "optimizer.lr"}, {@code "test class 3
 *     accuracy"}
 * @param from the value in the first version, {@value #ABSENT} when it has none
 * @param to the value in the second version, {@value #ABSENT} when it has none
 * @param delta {@code to - from} for numbers present in both, else empty
 */
public record DiffRow(Section section, String key, String from, String to, OptionalDouble delta) {

  /** Shown for a value one side does not have. */
  public static final String ABSENT = "(absent)";

  /** Requires all fields. */
  public DiffRow {
    Objects.requireNonNull(section, "section");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(delta, "delta");
  }

  /** The kinds of difference, in the order a diff lists them. */
  public enum Section {
    /** A lineage field (run folder, code version, workers, ...); listed only when it differs. */
    LINEAGE,
    /** A flattened key of the training config; listed only when it differs. */
    CONFIG,
    /** An evaluation metric per set and per class; always listed, with its delta. */
    METRIC
  }
}
