package dev.cohort.ops.registry;

import java.util.regex.Pattern;

/** The rule for model names, shared by registration and every lookup. */
final class ModelNames {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private ModelNames() {}

  /** Returns the name, or fails naming the rule it breaks. */
  static String require(String model) {
    if (model == null || !NAME.matcher(model).matches()) {
      throw new IllegalArgumentException(
          "model name '"
              + model
              + "' is not allowed: use 1 to 128 letters, digits, '.', '_' or '-', starting with a"
              + " letter or digit");
    }
    return model;
  }

  /** Returns the actor, or fails when it is blank. */
  static String requireActor(String actor) {
    if (actor == null || actor.isBlank()) {
      throw new IllegalArgumentException("actor must name who acts (a user or service), got blank");
    }
    return actor;
  }
}
