package dev.cohort.comm.transport.shm;

import dev.cohort.comm.CommException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * This process's private folder for shared-memory files under one base folder (/dev/shm or
 * COHORT_SHM_DIR): {@code cohort-<pid>-<nonce>}, mode 0700, owned by this user, holding files of
 * mode 0600 created with create-new semantics (an existing file or symlink of that name is an
 * error, never followed). The folder exists only while it holds a file: it is created for the first
 * and removed with the last, so a new one (with a new nonce) is made for the next.
 *
 * <p>A path that a peer sends is mapped only if {@link #checkPeerFile} accepts it: a regular file,
 * not a symlink, owned by this user, of mode 0600, in such a folder directly under the same base.
 *
 * <p>Thread-safe.
 */
final class ShmDirectory {
  static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
  private static final Pattern DIR_NAME =
      Pattern.compile(Pattern.quote(ShmSegment.PREFIX) + "[0-9]+-[0-9a-f]{16}");
  private static final Map<Path, ShmDirectory> BY_BASE = new ConcurrentHashMap<>();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static volatile Integer uid;

  private final Path base;
  private Path current;
  private int files;

  private ShmDirectory(Path base) {
    this.base = base;
  }

  /** The private folder of this process under {@code base}. */
  static ShmDirectory of(Path base) {
    return BY_BASE.computeIfAbsent(canonical(base), ShmDirectory::new);
  }

  /** Creates the empty file {@code name} (0600, create-new) in the private folder; see remove. */
  synchronized Path newFile(String name) throws IOException {
    if (current == null) {
      current = createFolder();
    }
    Path file = current.resolve(name);
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(FILE_MODE));
    } catch (IOException | RuntimeException e) {
      removeFolderIfEmpty();
      throw e;
    }
    files++;
    try {
      // The umask can only have removed bits; make the mode exactly 0600 whatever it was.
      Files.setPosixFilePermissions(file, FILE_MODE);
    } catch (IOException | RuntimeException e) {
      remove(file);
      throw e;
    }
    return file;
  }

  /** Unlinks a file made by {@link #newFile} in the private folder of any base. */
  static void unlink(Path file) {
    Path dir = file.getParent();
    if (dir != null && dir.getParent() != null) {
      of(dir.getParent()).remove(file);
    }
  }

  /** Unlinks a file made by {@link #newFile}; the folder goes with its last file. */
  synchronized void remove(Path file) {
    try {
      if (Files.deleteIfExists(file) && file.getParent().equals(current)) {
        files--;
        removeFolderIfEmpty();
      }
    } catch (IOException e) {
      System.getLogger(ShmDirectory.class.getName())
          .log(System.Logger.Level.WARNING, "could not remove " + file + ": " + e);
    }
  }

  private Path createFolder() throws IOException {
    byte[] nonce = new byte[8];
    RANDOM.nextBytes(nonce);
    Path dir =
        base.resolve(
            ShmSegment.PREFIX
                + ProcessHandle.current().pid()
                + "-"
                + HexFormat.of().formatHex(nonce));
    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
    try {
      Files.setPosixFilePermissions(dir, DIR_MODE);
      check(dir, true, "the private folder it just created");
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(dir);
      throw e;
    }
    return dir;
  }

  private void removeFolderIfEmpty() {
    if (files > 0 || current == null) {
      return;
    }
    try {
      Files.deleteIfExists(current);
    } catch (IOException e) {
      System.getLogger(ShmDirectory.class.getName())
          .log(System.Logger.Level.WARNING, "could not remove " + current + ": " + e);
    }
    current = null;
  }

  /**
   * Refuses, with a message that names {@code from}, a peer's shared-memory path unless it is a
   * regular file of this user in a private Cohort folder directly under {@code base}.
   */
  static void checkPeerFile(Path base, Path file, String from) {
    String why = problem(canonical(base), file);
    if (why != null) {
      throw new CommException(
          "refusing shared memory "
              + file
              + " offered by "
              + from
              + ": "
              + why
              + "; both ranks must run as the same user with the same COHORT_SHM_DIR ("
              + base
              + "), or set COHORT_TRANSPORT=tcp");
    }
  }

  private static String problem(Path base, Path file) {
    if (!file.isAbsolute() || !file.normalize().equals(file) || file.getParent() == null) {
      return "not a plain absolute path";
    }
    Path dir = file.getParent();
    if (!base.equals(dir.getParent())
        || !DIR_NAME.matcher(dir.getFileName().toString()).matches()) {
      return "not inside a private Cohort folder of " + base;
    }
    if (!file.getFileName().toString().startsWith(ShmSegment.PREFIX)) {
      return "not a Cohort shared-memory file name";
    }
    try {
      String d = describe(dir, true);
      return d != null ? d : describe(file, false);
    } catch (IOException e) {
      return "cannot read its attributes (" + e + ")";
    }
  }

  private static void check(Path path, boolean folder, String what) throws IOException {
    String why = describe(path, folder);
    if (why != null) {
      throw new IOException(what + " " + path + " is unsafe: " + why);
    }
  }

  /**
   * Null if {@code path} (not followed if a link) is a folder/file of this user of mode 0700/0600.
   */
  private static String describe(Path path, boolean folder) throws IOException {
    PosixFileAttributes a =
        Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (a.isSymbolicLink()) {
      return path + " is a symbolic link";
    }
    if (folder ? !a.isDirectory() : !a.isRegularFile()) {
      return path + " is not a " + (folder ? "folder" : "regular file");
    }
    int owner = (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    if (owner != currentUid()) {
      return path + " belongs to uid " + owner + ", not to this process's uid " + currentUid();
    }
    Set<PosixFilePermission> expected = folder ? DIR_MODE : FILE_MODE;
    if (!a.permissions().equals(expected)) {
      return path
          + " has mode "
          + PosixFilePermissions.toString(a.permissions())
          + ", not "
          + PosixFilePermissions.toString(expected);
    }
    return null;
  }

  /** This process's effective uid: the owner of a file it creates. */
  static int currentUid() throws IOException {
    Integer u = uid;
    if (u == null) {
      Path probe = Files.createTempFile("cohort-uid", ".tmp");
      try {
        u = (Integer) Files.getAttribute(probe, "unix:uid", LinkOption.NOFOLLOW_LINKS);
      } finally {
        Files.deleteIfExists(probe);
      }
      uid = u;
    }
    return u;
  }

  private static Path canonical(Path base) {
    return base.toAbsolutePath().normalize();
  }
}
