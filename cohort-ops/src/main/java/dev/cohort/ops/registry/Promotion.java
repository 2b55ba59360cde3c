package dev.cohort.ops.registry;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * What {@link Registry#promote} did: either the champion alias moved ({@link Promoted}) or the gate
 * refused the candidate and nothing moved ({@link Refused}). Both are recorded in the audit log.
 */
public sealed interface Promotion permits Promotion.Promoted, Promotion.Refused {

  /** One line for people. */
  String describe();

  /**
   * The candidate is now the champion.
   *
   * @param version the new champion
   * @param previousChampion the version it replaced, or null for the model's first champion
   * @param forced whether the caller asked to force the promotion
   * @param overridden the regressions the force overrode (empty when the gate passed)
   */
  record Promoted(
      ModelVersion version, Integer previousChampion, boolean forced, List<Regression> overridden)
      implements Promotion {

    /** Copies the regression list. */
    public Promoted {
      Objects.requireNonNull(version, "version");
      overridden = List.copyOf(overridden);
    }

    @Override
    public String describe() {
      String was = previousChampion == null ? "first champion" : "replacing v" + previousChampion;
      String force =
          overridden.isEmpty()
              ? ""
              : "; FORCED over " + overridden.size() + " regression(s): " + join(overridden);
      return version.label() + " is now the champion (" + was + ")" + force;
    }
  }

  /**
   * The gate refused the candidate; the champion is unchanged.
   *
   * @param candidate the version that was refused
   * @param champion the champion's version number, which stays champion
   * @param regressions why, never empty
   */
  record Refused(ModelVersion candidate, int champion, List<Regression> regressions)
      implements Promotion {

    /** Copies the regression list. */
    public Refused {
      Objects.requireNonNull(candidate, "candidate");
      regressions = List.copyOf(regressions);
    }

    @Override
    public String describe() {
      return "refused to promote "
          + candidate.label()
          + " over champion v"
          + champion
          + ": "
          + join(regressions)
          + "; fix the model, or promote with --force to override (it is audited)";
    }
  }

  private static String join(List<Regression> regressions) {
    return regressions.stream().map(Regression::describe).collect(Collectors.joining("; "));
  }
}
