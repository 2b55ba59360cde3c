package dev.cohort.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256, the digest of every file Cohort vouches for: checkpoint files and manifests, saved
 * models, training data, audit entries. Hex, lower case.
 */
public final class Sha256 {
  private Sha256() {}

  /** A fresh digest. */
  public static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  /** Adds everything {@code in} holds to {@code sha}. */
  public static void update(MessageDigest sha, InputStream in) throws IOException {
    byte[] buffer = new byte[1 << 16];
    for (int n; (n = in.read(buffer)) > 0; ) {
      sha.update(buffer, 0, n);
    }
  }

  /** {@code sha}'s digest as hex; the digest is reset. */
  public static String hex(MessageDigest sha) {
    return HexFormat.of().formatHex(sha.digest());
  }

  /** The SHA-256 of {@code file}'s bytes, hex. */
  public static String ofFile(Path file) throws IOException {
    MessageDigest sha = digest();
    try (InputStream in = Files.newInputStream(file)) {
      update(sha, in);
    }
    return hex(sha);
  }
}
