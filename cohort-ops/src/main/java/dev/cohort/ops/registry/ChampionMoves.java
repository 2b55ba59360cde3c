package dev.cohort.ops.registry;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Moves the champion alias: promotion through the gate (or forced) and rollback. Each method runs
 * inside the caller's write transaction and writes its alias row and audit entry there, so either
 * both are stored or neither.
 */
final class ChampionMoves {

  private final VersionTable versions;
  private final AliasTable aliases;
  private final AuditLog audit;

  ChampionMoves(VersionTable versions, AliasTable aliases, AuditLog audit) {
    this.versions = versions;
    this.aliases = aliases;
    this.audit = audit;
  }

  /**
   * Promotes {@code candidate} if the gate passes against the current champion (always for the
   * first champion) or {@code force} is set; otherwise records the refusal and moves nothing.
   */
  Promotion promote(Connection c, ModelVersion candidate, Gate gate, boolean force, Act act)
      throws SQLException {
    String model = candidate.model();
    Optional<AliasChange> current = aliases.current(c, model, AliasTable.CHAMPION);
    Optional<ModelVersion> champion = Optional.empty();
    if (current.isPresent()) {
      int number = current.get().version();
      if (number == candidate.version()) {
        throw new RegistryException(
            candidate.label() + " is already the champion; nothing was changed");
      }
      champion = versions.find(c, model, number);
    }
    List<Regression> regressions =
        champion.map(ch -> gate.check(candidate.evaluation(), ch.evaluation())).orElse(List.of());
    Integer previous = champion.map(ModelVersion::version).orElse(null);
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("champion", previous);
    detail.put("gate", gate);
    if (!regressions.isEmpty() && !force) {
      detail.put("regressions", regressions);
      audit.append(c, act, AuditAction.REFUSE, candidate, detail);
      return new Promotion.Refused(candidate, previous, regressions);
    }
    aliases.append(c, AliasChange.promote(candidate, AliasTable.CHAMPION, current, act));
    detail.put("forced", force);
    detail.put("overridden", regressions);
    audit.append(c, act, AuditAction.PROMOTE, candidate, detail);
    return new Promotion.Promoted(candidate, previous, force, regressions);
  }

  /** Moves the champion back to the one before it; fails clearly when there is none. */
  ModelVersion rollback(Connection c, String model, Act act) throws SQLException {
    AliasChange current =
        aliases
            .current(c, model, AliasTable.CHAMPION)
            .orElseThrow(
                () ->
                    new RegistryException(
                        "model "
                            + model
                            + " has no champion, so there is nothing to roll back; promote a"
                            + " version first"));
    if (current.previousSeq() == 0) {
      throw new RegistryException(
          "nothing to roll back to: "
              + model
              + " v"
              + current.version()
              + " is the first champion of model "
              + model
              + " in the alias history; promote another version instead");
    }
    AliasChange target =
        aliases
            .at(c, model, AliasTable.CHAMPION, current.previousSeq())
            .orElseThrow(
                () ->
                    new RegistryException(
                        "the alias history of model "
                            + model
                            + " lacks row "
                            + current.previousSeq()
                            + ", which the current champion row refers to; the table was edited by"
                            + " hand, restore it from a backup"));
    aliases.append(c, AliasChange.rollback(current, target, act));
    ModelVersion restored =
        versions
            .find(c, model, target.version())
            .orElseThrow(
                () ->
                    new RegistryException(
                        "model "
                            + model
                            + " v"
                            + target.version()
                            + " is missing, but the alias"
                            + " history points at it; restore the registry from a backup"));
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("from", current.version());
    detail.put("to", target.version());
    audit.append(c, act, AuditAction.ROLLBACK, restored, detail);
    return restored;
  }
}
