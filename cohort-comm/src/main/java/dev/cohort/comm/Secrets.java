package dev.cohort.comm;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Where the shared secret comes from: {@link EnvKeys#COHORT_SECRET} as text, or else the file that
 * {@link EnvKeys#COHORT_SECRET_FILE} names (surrounding whitespace stripped). Every rank, and the
 * store, must end up with the same bytes. Launchers make a fresh one per world with {@link
 * #generate()}.
 */
public final class Secrets {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int GENERATED_BYTES = 32;

  private Secrets() {}

  /** A fresh random secret: 32 bytes as 64 hex digits. */
  public static String generate() {
    byte[] bytes = new byte[GENERATED_BYTES];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /**
   * The secret from the environment ({@link Env}: a system property of the same name wins).
   *
   * @throws AuthenticationException if neither key is set, or the file is empty or unreadable
   */
  public static byte[] fromEnvironment(Env env) {
    return load(
        env.getRaw(EnvKeys.COHORT_SECRET).orElse(null),
        env.getRaw(EnvKeys.COHORT_SECRET_FILE).orElse(null));
  }

  /**
   * The secret from its text, or else from a file; fails with what to do when neither is set.
   *
   * @param text the secret itself, or null
   * @param file a path to a file holding it, or null
   * @throws AuthenticationException if neither is given, or the file is empty or unreadable
   */
  public static byte[] load(String text, String file) {
    if (text != null && !text.isEmpty()) {
      return text.getBytes(UTF_8);
    }
    if (file != null && !file.isEmpty()) {
      try {
        byte[] bytes = Files.readAllBytes(Path.of(file));
        String trimmed = new String(bytes, UTF_8).strip();
        if (trimmed.isEmpty()) {
          throw new AuthenticationException("secret file " + file + " is empty");
        }
        return trimmed.getBytes(UTF_8);
      } catch (IOException e) {
        throw new AuthenticationException("cannot read secret file " + file + ": " + e);
      }
    }
    throw new AuthenticationException(
        "no shared secret: set "
            + EnvKeys.COHORT_SECRET
            + " or "
            + EnvKeys.COHORT_SECRET_FILE
            + " to the same value on every rank (the cohort launcher does "
            + "this for you)");
  }
}
