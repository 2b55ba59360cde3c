package dev.cohort.checkpoint;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;

/**
 * Files and folders that only their owner may read: what Cohort creates for a run (checkpoints, the
 * run folder's records) is 0600, in folders of 0700 where Cohort creates them. The modes are set
 * explicitly after creation, so the result does not depend on the umask (which can only take bits
 * away at creation). Folders that already exist keep their mode: they are the user's. On file
 * systems without POSIX permissions the files are created plainly.
 */
public final class PrivateFiles {
  public static final Set<PosixFilePermission> FOLDER =
      PosixFilePermissions.fromString("rwx------");
  public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private PrivateFiles() {}

  /** Creates {@code dir} and any missing parent, each created one 0700. */
  public static void createDirectories(Path dir) throws IOException {
    Deque<Path> missing = new ArrayDeque<>();
    for (Path p = dir.toAbsolutePath(); p != null && !Files.isDirectory(p); p = p.getParent()) {
      missing.push(p);
    }
    for (Path p : missing) {
      try {
        createDirectory(p);
      } catch (FileAlreadyExistsException e) {
        // Another process made it first (the ranks of a pipeline create their stages' folders
        // at once): that is fine when it is a folder, not a link someone put in its place.
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          throw e;
        }
      }
    }
  }

  /** Creates the folder {@code dir} (which must not exist) with mode 0700. */
  public static void createDirectory(Path dir) throws IOException {
    if (!posix(dir)) {
      Files.createDirectory(dir);
      return;
    }
    Files.createDirectory(dir, attribute(FOLDER));
    Files.setPosixFilePermissions(dir, FOLDER);
  }

  /** Creates {@code file}, which must not exist (no link is followed), 0600, and opens it. */
  public static OutputStream newOutputStream(Path file) throws IOException {
    if (!posix(file)) {
      return Files.newOutputStream(file, StandardOpenOption.CREATE_NEW);
    }
    OutputStream out =
        Channels.newOutputStream(
            Files.newByteChannel(
                file,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                attribute(FILE)));
    Files.setPosixFilePermissions(file, FILE);
    return out;
  }

  /**
   * Makes {@code file} exist with mode 0600 before a writer truncates or appends to it (writers
   * keep the mode of a file they open): created empty if absent, set to 0600 if present.
   */
  public static void restrict(Path file) throws IOException {
    if (!posix(file)) {
      return;
    }
    if (!Files.exists(file)) {
      Files.createFile(file, attribute(FILE));
    }
    Files.setPosixFilePermissions(file, FILE);
  }

  private static boolean posix(Path p) {
    return p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  private static FileAttribute<Set<PosixFilePermission>> attribute(Set<PosixFilePermission> m) {
    return PosixFilePermissions.asFileAttribute(m);
  }
}
