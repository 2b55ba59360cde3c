package dev.cohort.ops.models;

import dev.cohort.checkpoint.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a run trained on, as a digest: SHA-256 over the names and bytes of the data folder's
 * training files ({@code train-*}), in name order, and how many samples the run took from them.
 */
final class DataFingerprint {
  private DataFingerprint() {}

  static String of(Path dataDir, int trainLimit) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(dataDir)) {
      files = s.filter(p -> p.getFileName().toString().startsWith("train-")).sorted().toList();
    }
    if (files.isEmpty()) {
      throw new IOException("no training files (train-*) in " + dataDir);
    }
    MessageDigest sha = Sha256.digest();
    for (Path f : files) {
      sha.update(f.getFileName().toString().getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      try (InputStream in = Files.newInputStream(f)) {
        Sha256.update(sha, in);
      }
    }
    return "sha256:"
        + Sha256.hex(sha)
        + " of "
        + String.join(", ", files.stream().map(p -> p.getFileName().toString()).toList())
        + (trainLimit > 0 ? "; first " + trainLimit + " samples" : "; all samples");
  }
}
