package dev.cohort.launch.spawn;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Fresh shared secrets for the worlds a launcher starts. */
public final class Secrets {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {}

  /** 32 random bytes as 64 hex digits. */
  public static String generate() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
