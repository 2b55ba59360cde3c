package dev.cohort.comm;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Where the shared secret comes from: the environment variable {@link EnvKeys#COHORT_SECRET} as
 * text, or else the file that {@link EnvKeys#COHORT_SECRET_FILE} names (surrounding whitespace
 * stripped); never a system property, which every user can read in the process list. Every rank,
 * and the store, must end up with the same bytes, at least {@link #MIN_BYTES} of them. Launchers
 * make a fresh one per world with {@link #generate()}; so does {@code cohort secret}.
 */
public final class Secrets {
  /**
   * The shortest secret accepted: 16 bytes, 128 bits if random. A 32-hex-digit secret ({@code
   * openssl rand -hex 16}) is 32 bytes as text.
   */
  public static final int MIN_BYTES = 16;

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
   * Refuses a secret too short to withstand offline guessing.
   *
   * @return {@code secret}
   * @throws AuthenticationException if it has fewer than {@link #MIN_BYTES} bytes, saying how to
   *     make a good one
   */
  public static byte[] requireStrong(byte[] secret) {
    if (secret.length < MIN_BYTES) {
      throw new AuthenticationException(
          "the shared secret is "
              + secret.length
              + " bytes; at least "
              + MIN_BYTES
              + " (128 bits) are needed: make one with `cohort secret` or `openssl rand -hex 16`");
    }
    return secret;
  }

  /**
   * The secret from the environment ({@link Env}); a {@code -DCOHORT_SECRET=} system property is
   * refused, since it shows in {@code ps}.
   *
   * @throws AuthenticationException if neither key is set, the secret is a system property, the
   *     file is empty or unreadable, or the secret is shorter than {@link #MIN_BYTES}
   */
  public static byte[] fromEnvironment(Env env) {
    if (env.isSystemProperty(EnvKeys.COHORT_SECRET)) {
      throw new AuthenticationException(
          "COHORT_SECRET was given as a system property (-DCOHORT_SECRET=), which every user can"
              + " read in the process list: set the environment variable COHORT_SECRET, or"
              + " COHORT_SECRET_FILE to a file only you can read, instead");
    }
    return load(
        env.getRaw(EnvKeys.COHORT_SECRET).orElse(null),
        env.getRaw(EnvKeys.COHORT_SECRET_FILE).orElse(null));
  }

  /**
   * The secret from its text, or else from a file; fails with what to do when neither is set.
   *
   * @param text the secret itself, or null
   * @param file a path to a file holding it, or null
   * @throws AuthenticationException if neither is given, the file is empty or unreadable, or the
   *     secret is shorter than {@link #MIN_BYTES}
   */
  public static byte[] load(String text, String file) {
    if (text != null && !text.isEmpty()) {
      return requireStrong(text.getBytes(UTF_8));
    }
    if (file != null && !file.isEmpty()) {
      try {
        byte[] bytes = Files.readAllBytes(Path.of(file));
        String trimmed = new String(bytes, UTF_8).strip();
        if (trimmed.isEmpty()) {
          throw new AuthenticationException("secret file " + file + " is empty");
        }
        return requireStrong(trimmed.getBytes(UTF_8));
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
