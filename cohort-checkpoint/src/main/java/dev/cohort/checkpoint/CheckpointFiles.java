package dev.cohort.checkpoint;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.Map;

/**
 * The files of a checkpoint, one at a time: an array file ({@link CheckpointFormat}) written
 * private and fsynced with its size and SHA-256, and read back only after both are verified against
 * the manifest; links are never followed. state.bin and every shard go through here.
 */
final class CheckpointFiles {
  private CheckpointFiles() {}

  /** A file written: its size and SHA-256 (hex), as the manifest records them. */
  record Written(long bytes, String sha256) {}

  /** Writes {@code s}'s arrays as the new, private file {@code file}, fsynced. */
  static Written write(Path file, TrainingState s) throws IOException {
    MessageDigest sha = Sha256.digest();
    try (OutputStream f = PrivateFiles.newOutputStream(file);
        DataOutputStream out =
            new DataOutputStream(
                new BufferedOutputStream(new DigestOutputStream(f, sha), 1 << 20))) {
      CheckpointFormat.write(s, out);
    }
    fsync(file);
    return new Written(Files.size(file), Sha256.hex(sha));
  }

  /**
   * Verifies {@code file} against the manifest's {@code bytes} and {@code sha256}, then reads its
   * arrays, each bounded by the file and {@code maxArrayFloats}.
   *
   * @throws IOException naming what is wrong (not a regular file, truncated, corrupted, ...)
   */
  static TrainingState read(
      Path file, long bytes, String sha256, long maxArrayFloats, Map<String, Object> meta)
      throws IOException {
    verify(file, bytes, sha256);
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(open(file), 1 << 20))) {
      return CheckpointFormat.read(in, bytes, maxArrayFloats, meta);
    }
  }

  /** Verifies a file's size and SHA-256 against the manifest's record of it. */
  private static void verify(Path file, long bytes, String sha256) throws IOException {
    String name = file.getFileName().toString();
    BasicFileAttributes a =
        Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!a.isRegularFile()) {
      throw new IOException(name + " is not a regular file");
    }
    if (a.size() != bytes) {
      throw new IOException(
          name + " has " + a.size() + " bytes, the manifest says " + bytes + " (truncated?)");
    }
    MessageDigest sha = Sha256.digest();
    try (InputStream in = open(file)) {
      Sha256.update(sha, in);
    }
    if (!Sha256.hex(sha).equals(sha256)) {
      throw new IOException("SHA-256 of " + name + " does not match the manifest (corrupted)");
    }
  }

  private static InputStream open(Path file) throws IOException {
    return Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
  }

  /** Flushes a file, or a folder's entries, to the disk. */
  static void fsync(Path p) throws IOException {
    try (FileChannel ch =
        Files.isDirectory(p)
            ? FileChannel.open(p, StandardOpenOption.READ)
            : FileChannel.open(p, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  /** Deletes {@code p} and everything under it, if it exists. */
  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var walk = Files.walk(p)) {
      for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    }
  }
}
