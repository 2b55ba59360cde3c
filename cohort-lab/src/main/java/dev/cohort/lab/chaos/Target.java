package dev.cohort.lab.chaos;

import java.util.List;
import java.util.Locale;

/** What a chaos run SIGKILLs. */
public enum Target {
  /**
   * A random worker of a launcher running inside the lab's JVM: the launcher notices, stops the
   * other workers, and the run resumes from its newest checkpoint.
   */
  WORKERS,
  /**
   * The launcher itself, a {@code cohort train} process of its own: its workers must notice and
   * exit by themselves (no orphans), and a new launcher resumes from the newest checkpoint.
   */
  LAUNCHER;

  /** The name on the command line and in the report: {@code workers} or {@code launcher}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * {@code workers}, {@code launcher}, or {@code both} (workers first).
   *
   * @throws IllegalArgumentException naming the choices
   */
  public static List<Target> parse(String s) {
    return switch (s.strip().toLowerCase(Locale.ROOT)) {
      case "workers" -> List.of(WORKERS);
      case "launcher" -> List.of(LAUNCHER);
      case "both" -> List.of(WORKERS, LAUNCHER);
      default ->
          throw new IllegalArgumentException(
              "--target must be workers, launcher or both, got '" + s + "'");
    };
  }
}
