package dev.cohort.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A folder of checkpoints, {@code ckpt-<step>/} each holding {@code state.bin} and {@code
 * manifest.json}, written as a commit: everything goes into a temporary folder, is fsynced, and the
 * folder is renamed into place (then the parent is fsynced). A crash or a full disk leaves at worst
 * a temporary folder, never a half-written checkpoint under a real name; the previous checkpoints
 * are untouched. Folders are created 0700 and files 0600 ({@link PrivateFiles}): model weights and
 * the run's metadata are the owner's alone. Loading verifies the manifest and the SHA-256 of the
 * state and falls back to the newest checkpoint that passes, saying what was wrong with the others.
 */
public final class CheckpointStore {
  static final String PREFIX = "ckpt-";
  static final String STATE = "state.bin";
  static final String MANIFEST = "manifest.json";

  private final Path dir;
  private final int keep;
  private final ObjectMapper json = new ObjectMapper();

  /**
   * @param keep how many complete checkpoints to keep (older ones are deleted after a write)
   */
  public CheckpointStore(Path dir, int keep) {
    if (keep < 1) {
      throw new IllegalArgumentException("keep at least 1 checkpoint, got " + keep);
    }
    this.dir = dir;
    this.keep = keep;
  }

  public Path dir() {
    return dir;
  }

  /**
   * Writes {@code s} atomically and prunes old checkpoints.
   *
   * @return the checkpoint's folder
   * @throws IOException with the folder and the cause (e.g. "No space left on device"); nothing
   *     under a checkpoint name was changed
   */
  public Path write(TrainingState s) throws IOException {
    PrivateFiles.createDirectories(dir);
    removeStaleTemporaries();
    Path target = path(s.step());
    Path tmp = dir.resolve(".tmp-" + name(s.step()) + "-" + ProcessHandle.current().pid());
    deleteTree(tmp);
    try {
      PrivateFiles.createDirectory(tmp);
      MessageDigest sha = Manifest.sha256();
      try (OutputStream f = PrivateFiles.newOutputStream(tmp.resolve(STATE));
          DataOutputStream out =
              new DataOutputStream(
                  new BufferedOutputStream(new DigestOutputStream(f, sha), 1 << 20))) {
        CheckpointFormat.write(s, out);
      }
      fsync(tmp.resolve(STATE));
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("format_version", CheckpointFormat.VERSION);
      m.put("step", s.step());
      m.put("epoch", s.epoch());
      m.put("batch", s.batch());
      m.put("created", Instant.now().toString());
      m.put("state_bytes", Files.size(tmp.resolve(STATE)));
      m.put("state_sha256", HexFormat.of().formatHex(sha.digest()));
      m.put("arrays", s.arrays().keySet());
      m.put("meta", s.meta());
      Manifest.write(m, tmp.resolve(MANIFEST));
      fsync(tmp.resolve(MANIFEST));
      fsync(tmp);
      deleteTree(target); // a rewrite of the same step replaces it whole
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the file system under " + dir + " cannot rename atomically", e);
      }
      fsync(dir);
    } catch (IOException e) {
      deleteTree(tmp);
      throw new IOException(
          "could not write checkpoint "
              + target
              + ": "
              + e.getMessage()
              + "; earlier checkpoints are intact",
          e);
    }
    prune();
    return target;
  }

  /** A checkpoint that passed verification, and where it is. */
  public record Loaded(TrainingState state, Path path) {}

  /**
   * The newest checkpoint that verifies, or empty if there is none; array lengths are bounded only
   * by the file. See {@link #loadNewest(Consumer, long)}.
   */
  public Optional<Loaded> loadNewest(Consumer<String> warn) {
    return loadNewest(warn, Integer.MAX_VALUE);
  }

  /**
   * The newest checkpoint that verifies, or empty if there is none. Each one skipped is reported to
   * {@code warn} with the reason: a symbolic link (not followed), a missing file, a size or SHA-256
   * mismatch of the state or of the manifest (which covers the metadata), truncation, an array
   * longer than {@code maxArrayFloats}, another version. All of these are corruption, so an older
   * checkpoint is tried; whether the one found fits the run is the caller's question. Temporary
   * folders left by interrupted writes are removed first.
   *
   * @param maxArrayFloats the most floats any one array may hold (e.g. the model's element count);
   *     a longer one is refused before anything is allocated for it
   */
  public Optional<Loaded> loadNewest(Consumer<String> warn, long maxArrayFloats) {
    removeStaleTemporaries();
    List<Long> steps = steps();
    for (int i = steps.size() - 1; i >= 0; i--) {
      Path p = path(steps.get(i));
      try {
        return Optional.of(new Loaded(load(p, maxArrayFloats), p));
      } catch (IOException e) {
        warn.accept(
            "checkpoint "
                + p
                + " is unusable ("
                + e.getMessage()
                + "); "
                + (i > 0 ? "falling back to an older one" : "no older checkpoint left"));
      }
    }
    return Optional.empty();
  }

  /** Loads and verifies one checkpoint folder; array lengths are bounded only by the file. */
  public TrainingState load(Path ckpt) throws IOException {
    return load(ckpt, Integer.MAX_VALUE);
  }

  /**
   * Loads and verifies one checkpoint folder: the manifest's checksum before anything in it is
   * used, the state's size and SHA-256 before it is parsed, and every array's length against the
   * file and {@code maxArrayFloats} before it is allocated.
   *
   * @throws IOException naming what is wrong; a symbolic link (folder or file) is refused
   */
  public TrainingState load(Path ckpt, long maxArrayFloats) throws IOException {
    if (Files.isSymbolicLink(ckpt)) {
      throw new IOException("it is a symbolic link, which is not followed");
    }
    JsonNode m = Manifest.read(ckpt.resolve(MANIFEST));
    if (m.path("format_version").asInt(-1) != CheckpointFormat.VERSION) {
      throw new IOException(
          "format version "
              + m.path("format_version")
              + ", this Cohort reads "
              + CheckpointFormat.VERSION);
    }
    Path state = ckpt.resolve(STATE);
    BasicFileAttributes a =
        Files.readAttributes(state, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!a.isRegularFile()) {
      throw new IOException(STATE + " is not a regular file");
    }
    long size = a.size();
    if (size != m.path("state_bytes").asLong(-1)) {
      throw new IOException(
          STATE
              + " has "
              + size
              + " bytes, the manifest says "
              + m.path("state_bytes").asLong()
              + " (truncated?)");
    }
    MessageDigest sha = Manifest.sha256();
    try (InputStream in = new DigestInputStream(open(state), sha)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    if (!HexFormat.of().formatHex(sha.digest()).equals(m.path("state_sha256").asText())) {
      throw new IOException("SHA-256 of " + STATE + " does not match the manifest (corrupted)");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> meta = json.convertValue(m.path("meta"), Map.class);
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(open(state), 1 << 20))) {
      return CheckpointFormat.read(in, size, maxArrayFloats, meta == null ? Map.of() : meta);
    }
  }

  private static InputStream open(Path file) throws IOException {
    return Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
  }

  /**
   * Deletes {@code .tmp-ckpt-*} folders: what writes cut short by a kill left behind. Only one
   * process writes a run's checkpoints, and never two at once, so none is in progress here.
   */
  private void removeStaleTemporaries() {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, ".tmp-" + PREFIX + "*")) {
      for (Path p : ds) {
        deleteTree(p);
      }
    } catch (IOException e) {
      System.getLogger(CheckpointStore.class.getName())
          .log(System.Logger.Level.WARNING, "cannot remove temporary folders in " + dir + ": " + e);
    }
  }

  /** Steps of the checkpoints present (complete or not), ascending; temporary folders excluded. */
  public List<Long> steps() {
    List<Long> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, PREFIX + "*")) {
      for (Path p : ds) {
        try {
          out.add(Long.parseLong(p.getFileName().toString().substring(PREFIX.length())));
        } catch (NumberFormatException e) {
          // Not one of ours.
        }
      }
    } catch (IOException e) {
      return out;
    }
    out.sort(null);
    return out;
  }

  /**
   * Deletes the checkpoints newer than {@code step}: after a resume fell back past them (partial or
   * corrupted), they must not outrank the steps written from now on when pruning.
   *
   * @return the steps deleted
   */
  public List<Long> discardNewerThan(long step) throws IOException {
    List<Long> gone = new ArrayList<>();
    for (long s : steps()) {
      if (s > step) {
        deleteTree(path(s));
        gone.add(s);
      }
    }
    return gone;
  }

  /** Deletes all but the newest {@code keep} checkpoints ({@link #write} does it after writing). */
  public void prune() throws IOException {
    List<Long> steps = steps();
    for (int i = 0; i < steps.size() - keep; i++) {
      deleteTree(path(steps.get(i)));
    }
  }

  /** The folder of the checkpoint of {@code step} (whether or not it exists). */
  public Path path(long step) {
    return dir.resolve(name(step));
  }

  static String name(long step) {
    return PREFIX + String.format("%09d", step);
  }

  private static void fsync(Path p) throws IOException {
    try (FileChannel ch =
        Files.isDirectory(p)
            ? FileChannel.open(p, StandardOpenOption.READ)
            : FileChannel.open(p, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  private static void deleteTree(Path p) throws IOException {
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
