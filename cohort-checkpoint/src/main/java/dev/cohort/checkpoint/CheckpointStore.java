package dev.cohort.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
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
    Path tmp = dir.resolve(".tmp-" + name(s.step()) + "-" + ProcessHandle.current().pid());
    CheckpointFiles.deleteTree(tmp);
    try {
      PrivateFiles.createDirectory(tmp);
    } catch (IOException e) {
      throw failed(path(s.step()), e);
    }
    return commit(tmp, s, List.of());
  }

  /**
   * The folder a sharded checkpoint of {@code step} is written in before it is committed: every
   * rank writes its shard there ({@link #writeShard}), then rank 0 commits ({@link
   * #commitSharded}). The ranks must see the same folder (one host, or a shared file system).
   */
  public Path shardFolder(long step) {
    return dir.resolve(".tmp-" + name(step) + "-shards");
  }

  /**
   * Rank 0, before any rank writes a shard of {@code step}: an empty, private {@link #shardFolder}
   * (what an interrupted write left is removed first).
   */
  public Path beginSharded(long step) throws IOException {
    PrivateFiles.createDirectories(dir);
    removeStaleTemporaries();
    Path tmp = shardFolder(step);
    CheckpointFiles.deleteTree(tmp);
    PrivateFiles.createDirectory(tmp);
    return tmp;
  }

  /**
   * Any rank: writes its slices ({@link ShardFile#sliceName}) of the checkpoint of {@code step}
   * into the shard folder, fsynced.
   *
   * @throws IOException with the file and the cause
   */
  public ShardFile writeShard(long step, int rank, int ranks, Map<String, float[]> slices)
      throws IOException {
    String name = ShardFile.fileName(rank, ranks);
    Path file = shardFolder(step).resolve(name);
    try {
      CheckpointFiles.Written w =
          CheckpointFiles.write(file, new TrainingState(step, 0, 0, slices, Map.of()));
      return new ShardFile(name, w.bytes(), w.sha256());
    } catch (IOException e) {
      throw new IOException("could not write checkpoint shard " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Rank 0, once every rank's shard of {@code s.step()} is written: the unsliced arrays of {@code
   * s} as state.bin and a manifest naming the shards with their sizes and checksums, then the
   * folder renamed into place, as {@link #write} does.
   *
   * @throws IOException with the folder and the cause; nothing under a checkpoint name changed
   */
  public Path commitSharded(TrainingState s, List<ShardFile> shards) throws IOException {
    return commit(shardFolder(s.step()), s, shards);
  }

  /** Writes state.bin and the manifest into {@code tmp}, renames it into place, prunes. */
  private Path commit(Path tmp, TrainingState s, List<ShardFile> shards) throws IOException {
    Path target = path(s.step());
    try {
      CheckpointFiles.Written state = CheckpointFiles.write(tmp.resolve(STATE), s);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("format_version", CheckpointFormat.VERSION);
      m.put("step", s.step());
      m.put("epoch", s.epoch());
      m.put("batch", s.batch());
      m.put("created", Instant.now().toString());
      m.put("state_bytes", state.bytes());
      m.put("state_sha256", state.sha256());
      m.put("arrays", s.arrays().keySet());
      if (!shards.isEmpty()) {
        m.put("shards", shards.stream().map(ShardFile::entry).toList());
      }
      m.put("meta", s.meta());
      Manifest.write(m, tmp.resolve(MANIFEST));
      CheckpointFiles.fsync(tmp.resolve(MANIFEST));
      CheckpointFiles.fsync(tmp);
      CheckpointFiles.deleteTree(target); // a rewrite of the same step replaces it whole
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the file system under " + dir + " cannot rename atomically", e);
      }
      CheckpointFiles.fsync(dir);
    } catch (IOException e) {
      CheckpointFiles.deleteTree(tmp);
      throw failed(target, e);
    }
    try {
      prune();
    } catch (IOException e) {
      // The checkpoint is committed; an old one left behind is only disk space.
      System.getLogger(CheckpointStore.class.getName())
          .log(System.Logger.Level.WARNING, "cannot remove old checkpoints in " + dir + ": " + e);
    }
    return target;
  }

  private static IOException failed(Path target, IOException e) {
    return new IOException(
        "could not write checkpoint "
            + target
            + ": "
            + e.getMessage()
            + "; earlier checkpoints are intact",
        e);
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
    @SuppressWarnings("unchecked")
    Map<String, Object> meta = json.convertValue(m.path("meta"), Map.class);
    TrainingState whole =
        CheckpointFiles.read(
            ckpt.resolve(STATE),
            m.path("state_bytes").asLong(-1),
            m.path("state_sha256").asText(),
            maxArrayFloats,
            meta == null ? Map.of() : meta);
    if (!m.has("shards")) {
      return whole;
    }
    Map<String, float[]> arrays = new LinkedHashMap<>(whole.arrays());
    arrays.putAll(ShardReader.read(ckpt, m.path("shards"), maxArrayFloats));
    return new TrainingState(whole.step(), whole.epoch(), whole.batch(), arrays, whole.meta());
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
        CheckpointFiles.deleteTree(p);
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
        CheckpointFiles.deleteTree(path(s));
        gone.add(s);
      }
    }
    return gone;
  }

  /** Deletes all but the newest {@code keep} checkpoints ({@link #write} does it after writing). */
  public void prune() throws IOException {
    List<Long> steps = steps();
    for (int i = 0; i < steps.size() - keep; i++) {
      CheckpointFiles.deleteTree(path(steps.get(i)));
    }
  }

  /** The folder of the checkpoint of {@code step} (whether or not it exists). */
  public Path path(long step) {
    return dir.resolve(name(step));
  }

  static String name(long step) {
    return PREFIX + String.format("%09d", step);
  }
}
