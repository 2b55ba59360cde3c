package dev.cohort.ops.web;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The secret in a served page's URL: 128 random bits, hex. A request shows it as {@code ?token=} or
 * as {@code Authorization: Bearer} (how Prometheus sends credentials); it is compared in constant
 * time.
 */
public record AccessToken(String value) {
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A new token from a secure random source. */
  public static AccessToken random() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return new AccessToken(HexFormat.of().formatHex(b));
  }

  /** Whether {@code query} (the token parameter) or {@code authorization} (a header) carry it. */
  public boolean admits(String query, String authorization) {
    if (query != null && same(query)) {
      return true;
    }
    return authorization != null
        && authorization.startsWith("Bearer ")
        && same(authorization.substring(7).strip());
  }

  private boolean same(String candidate) {
    return MessageDigest.isEqual(
        value.getBytes(StandardCharsets.UTF_8), candidate.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "AccessToken[hidden]";
  }
}
