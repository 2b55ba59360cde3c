package dev.cohort.ops.registry;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A model's scores on its evaluation sets. The key {@value #TEST} is the held-out test set; other
 * keys name shifted sets, by convention {@code "shift:noise"}, {@code "shift:dim"}, {@code
 * "shift:translate"}. The map iterates {@value #TEST} first, then the other sets by name.
 *
 * @param sets score per set name
 */
public record Evaluation(Map<String, SetScore> sets) {

  /** The name of the held-out test set. */
  public static final String TEST = "test";

  /** Validates and orders the sets. */
  public Evaluation {
    Objects.requireNonNull(sets, "sets");
    List<String> names = new ArrayList<>(sets.keySet());
    for (String name : names) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("evaluation set names must not be blank");
      }
      if (sets.get(name) == null) {
        throw new IllegalArgumentException("evaluation set " + name + " has no score (null)");
      }
    }
    names.sort((a, b) -> TEST.equals(a) ? -1 : TEST.equals(b) ? 1 : a.compareTo(b));
    Map<String, SetScore> ordered = new LinkedHashMap<>();
    for (String name : names) {
      ordered.put(name, sets.get(name));
    }
    sets = Collections.unmodifiableMap(ordered);
  }

  /** The score on one set, if it was evaluated. */
  public Optional<SetScore> set(String name) {
    return Optional.ofNullable(sets.get(name));
  }

  /** Starts an evaluation with no sets. */
  public static Builder builder() {
    return new Builder();
  }

  /** Collects set scores; not thread-safe. */
  public static final class Builder {
    private final Map<String, SetScore> sets = new LinkedHashMap<>();

    private Builder() {}

    /** Adds (or replaces) the score of one set. */
    public Builder set(String name, SetScore score) {
      sets.put(name, score);
      return this;
    }

    /** Builds the evaluation. */
    public Evaluation build() {
      return new Evaluation(sets);
    }
  }
}
