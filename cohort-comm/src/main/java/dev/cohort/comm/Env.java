package dev.cohort.comm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Typed reads of configuration keys ({@link EnvKeys}) from environment variables and system
 * properties; a system property of the same name wins ({@code -DCOHORT_TIMEOUT_MS=5000}). A value
 * is stripped of surrounding blanks, and a blank value counts as not set, so the default applies. A
 * value that does not parse fails at once with an {@link IllegalArgumentException} whose one-line
 * message names the key, what it must be and what it got.
 *
 * <p>Immutable and thread-safe: the maps are copied when the Env is made.
 */
public final class Env {
  private final Map<String, String> environment;
  private final Map<String, String> systemProperties;

  private Env(Map<String, String> environment, Map<String, String> systemProperties) {
    this.environment = Map.copyOf(environment);
    this.systemProperties = Map.copyOf(systemProperties);
  }

  /** This process's environment variables and system properties, as they are now. */
  public static Env system() {
    Map<String, String> props = new LinkedHashMap<>();
    System.getProperties().forEach((k, v) -> props.put(k.toString(), v.toString()));
    return new Env(System.getenv(), props);
  }

  /** The given variables, with the given system properties winning over them. */
  public static Env of(Map<String, String> environment, Map<String, String> systemProperties) {
    return new Env(environment, systemProperties);
  }

  /** The given variables only. */
  public static Env of(Map<String, String> environment) {
    return new Env(environment, Map.of());
  }

  /** True if the key is present at all, even with a blank value. */
  public boolean isSet(String key) {
    return systemProperties.containsKey(key) || environment.containsKey(key);
  }

  /** True if the key is given as a system property ({@code -DKEY=...}), blank or not. */
  public boolean isSystemProperty(String key) {
    return systemProperties.containsKey(key);
  }

  /**
   * The value exactly as given, blanks and all, or empty when the key is absent: for values such as
   * secrets whose every byte counts.
   */
  public Optional<String> getRaw(String key) {
    return Optional.ofNullable(systemProperties.getOrDefault(key, environment.get(key)));
  }

  /** The stripped value, or empty when the key is absent or blank. */
  public Optional<String> get(String key) {
    String v = systemProperties.getOrDefault(key, environment.get(key));
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.strip());
  }

  public String getString(String key, String defaultValue) {
    return get(key).orElse(defaultValue);
  }

  /**
   * @throws IllegalArgumentException "KEY must be an integer, got 'x'"
   */
  public int getInt(String key, int defaultValue) {
    return get(key).map(v -> parse(key, v, Integer::parseInt, "an integer")).orElse(defaultValue);
  }

  /**
   * @throws IllegalArgumentException "KEY must be an integer, got 'x'"
   */
  public long getLong(String key, long defaultValue) {
    return get(key).map(v -> parse(key, v, Long::parseLong, "an integer")).orElse(defaultValue);
  }

  /**
   * Accepts true or false in any case.
   *
   * @throws IllegalArgumentException "KEY must be true or false, got 'x'"
   */
  public boolean getBoolean(String key, boolean defaultValue) {
    return get(key)
        .map(
            v -> {
              if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
                return Boolean.parseBoolean(v);
              }
              throw new IllegalArgumentException(key + " must be true or false, got '" + v + "'");
            })
        .orElse(defaultValue);
  }

  /**
   * An enum constant by its lower-case name, in any case.
   *
   * @throws IllegalArgumentException "KEY must be one of a, b, c; got 'x'"
   */
  public <E extends Enum<E>> E getEnum(String key, Class<E> type, E defaultValue) {
    return getChoice(
        key,
        List.of(type.getEnumConstants()),
        e -> e.name().toLowerCase(Locale.ROOT),
        defaultValue);
  }

  /**
   * One of {@code choices}, matched by {@code name} in any case.
   *
   * @throws IllegalArgumentException "KEY must be one of a, b, c; got 'x'"
   */
  public <T> T getChoice(String key, List<T> choices, Function<T, String> name, T defaultValue) {
    Optional<String> v = get(key);
    if (v.isEmpty()) {
      return defaultValue;
    }
    for (T c : choices) {
      if (name.apply(c).equalsIgnoreCase(v.get())) {
        return c;
      }
    }
    throw new IllegalArgumentException(
        key
            + " must be one of "
            + choices.stream().map(name).collect(Collectors.joining(", "))
            + "; got '"
            + v.get()
            + "'");
  }

  /**
   * An integer that has no default.
   *
   * @throws IllegalArgumentException "KEY is not set" or "KEY must be an integer, got 'x'"
   */
  public int requireInt(String key) {
    return parse(key, require(key), Integer::parseInt, "an integer");
  }

  /**
   * @throws IllegalArgumentException "KEY is not set"
   */
  public String require(String key) {
    return get(key).orElseThrow(() -> new IllegalArgumentException(key + " is not set"));
  }

  private static <T> T parse(String key, String v, Function<String, T> parser, String what) {
    try {
      return parser.apply(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be " + what + ", got '" + v + "'");
    }
  }

  @Override
  public String toString() {
    return "Env["
        + environment.size()
        + " variables, "
        + systemProperties.size()
        + " system properties]";
  }
}
