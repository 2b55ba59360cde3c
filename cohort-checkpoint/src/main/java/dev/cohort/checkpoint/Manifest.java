package dev.cohort.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Map;

/**
 * {@code manifest.json}, covered whole by its own checksum: {@value #CHECKSUM} is the SHA-256 of
 * the manifest's canonical form, every other field (position, state checksum, array names and
 * {@code meta}: model, seed, data fingerprint) compact-printed in file order as parsed. A changed
 * byte anywhere, metadata included, is therefore corruption, never a silent difference.
 *
 * <p>The canonical form is computed from the parsed tree, not from the bytes, so indentation does
 * not matter; the writer hashes what a reader will parse (the tree after one print and parse, so
 * that numbers are in the form a parser gives back).
 */
final class Manifest {
  static final String CHECKSUM = "manifest_sha256";

  /** Larger manifests are not read: a crafted one must not exhaust memory. */
  static final int MAX_BYTES = 64 << 20;

  private static final ObjectMapper COMPACT = new ObjectMapper();
  private static final ObjectMapper PRETTY =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Manifest() {}

  /** Writes {@code fields} and their checksum to the new file {@code file} (0600). */
  static void write(Map<String, Object> fields, Path file) throws IOException {
    ObjectNode tree = (ObjectNode) COMPACT.readTree(COMPACT.writeValueAsBytes(fields));
    tree.remove(CHECKSUM);
    String sum = checksum(tree);
    tree.put(CHECKSUM, sum);
    try (OutputStream out = PrivateFiles.newOutputStream(file)) {
      PRETTY.writeValue(out, tree);
    }
  }

  /**
   * Reads {@code file} (not followed if a link) and verifies its checksum before anything in it is
   * used.
   *
   * @throws IOException if it is unreadable, too large, not an object, or its checksum is missing
   *     or wrong (corrupted)
   */
  static JsonNode read(Path file) throws IOException {
    byte[] bytes;
    try (InputStream in =
        Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      bytes = in.readNBytes(MAX_BYTES + 1);
    } catch (IOException e) {
      throw new IOException("manifest unreadable: " + e.getMessage(), e);
    }
    if (bytes.length > MAX_BYTES) {
      throw new IOException("manifest is larger than " + MAX_BYTES + " bytes (corrupted)");
    }
    JsonNode tree;
    try {
      tree = COMPACT.readTree(bytes);
    } catch (IOException e) {
      throw new IOException("manifest unreadable: " + e.getMessage(), e);
    }
    if (!(tree instanceof ObjectNode o)) {
      throw new IOException("manifest unreadable: not a JSON object (corrupted)");
    }
    JsonNode stored = o.remove(CHECKSUM);
    if (stored == null || !stored.isTextual()) {
      throw new IOException(
          "manifest has no "
              + CHECKSUM
              + " (corrupted, or written by a Cohort before manifests were checksummed)");
    }
    if (!stored.asText().equals(checksum(o))) {
      throw new IOException("manifest checksum does not match its contents (corrupted)");
    }
    return o;
  }

  private static String checksum(ObjectNode withoutChecksum) throws IOException {
    MessageDigest sha = Sha256.digest();
    sha.update(COMPACT.writeValueAsBytes(withoutChecksum));
    return Sha256.hex(sha);
  }
}
