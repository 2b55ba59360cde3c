package dev.cohort.ops.registry;

import java.util.Optional;

/**
 * One row of an alias's history: from {@code act.at()} on, the alias points at {@code version}.
 *
 * @param model the model
 * @param alias the alias, e.g. {@link AliasTable#CHAMPION}
 * @param seq position in this alias's history, 1 first
 * @param version the version the alias points at
 * @param previousSeq the history row a rollback returns to, 0 when there is none
 * @param reason {@code PROMOTE} or {@code ROLLBACK}
 * @param act who moved the alias, and when
 */
record AliasChange(
    String model, String alias, long seq, int version, long previousSeq, String reason, Act act) {

  /** The row that points the alias at {@code version}, remembering {@code current} for rollback. */
  static AliasChange promote(
      ModelVersion version, String alias, Optional<AliasChange> current, Act act) {
    long seq = current.map(AliasChange::seq).orElse(0L) + 1;
    long previous = current.map(AliasChange::seq).orElse(0L);
    return new AliasChange(
        version.model(), alias, seq, version.version(), previous, "PROMOTE", act);
  }

  /**
   * The row that points the alias back at {@code target} (the row {@code current} remembers); it
   * remembers what {@code target} remembered, so the next rollback goes one further back.
   */
  static AliasChange rollback(AliasChange current, AliasChange target, Act act) {
    return new AliasChange(
        current.model(),
        current.alias(),
        current.seq() + 1,
        target.version(),
        target.previousSeq(),
        "ROLLBACK",
        act);
  }
}
