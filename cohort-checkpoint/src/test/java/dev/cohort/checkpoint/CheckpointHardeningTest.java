package dev.cohort.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged or crafted checkpoint is corruption: the store warns and falls back to the older intact
 * one, whatever was damaged (metadata included), without allocating what a crafted length asks for
 * and without following links.
 */
class CheckpointHardeningTest {
  @TempDir Path dir;

  private static TrainingState state(long step) {
    Map<String, float[]> arrays = new LinkedHashMap<>();
    arrays.put("parameter/0", new float[] {1f, 2f, 3f, (float) step});
    return new TrainingState(
        step, 1, 0, arrays, Map.of("model", "mlp", "seed", 3, "data_fingerprint", "abc"));
  }

  private static void replaceInManifest(Path ckpt, String from, String to) throws IOException {
    Path m = ckpt.resolve(CheckpointStore.MANIFEST);
    String text = Files.readString(m);
    assertThat(text).contains(from);
    Files.writeString(m, text.replace(from, to));
  }

  private final List<String> warnings = new ArrayList<>();

  private long newestStep(CheckpointStore store, long limit) {
    return store.loadNewest(warnings::add, limit).orElseThrow().state().step();
  }

  @Test
  void aOneByteChangeInMetaShouldFallBackToTheOlderCheckpointWithAWarning() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 3);
    store.write(state(10));
    Path newest = store.write(state(20));
    replaceInManifest(newest, "\"mlp\"", "\"mlq\"");
    assertThat(newestStep(store, 100)).isEqualTo(10);
    assertThat(warnings)
        .singleElement()
        .asString()
        .contains("ckpt-000000020")
        .contains("manifest checksum does not match")
        .contains("falling back");
  }

  @Test
  void aChangedSeedInMetaShouldBeCaughtAsCorruption() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 3);
    store.write(state(10));
    Path newest = store.write(state(20));
    replaceInManifest(newest, "\"seed\" : 3", "\"seed\" : 4");
    assertThat(newestStep(store, 100)).isEqualTo(10);
    assertThat(warnings).singleElement().asString().contains("corrupted");
    assertThatThrownBy(() -> store.load(newest)).hasMessageContaining("manifest checksum");
  }

  @Test
  void aManifestWithoutItsChecksumShouldBeCorruption() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 3);
    Path p = store.write(state(10));
    String text = Files.readString(p.resolve(CheckpointStore.MANIFEST));
    Files.writeString(
        p.resolve(CheckpointStore.MANIFEST),
        text.replaceAll(",\\s*\"" + Manifest.CHECKSUM + "\" : \"[0-9a-f]+\"", ""));
    assertThatThrownBy(() -> store.load(p)).hasMessageContaining("has no manifest_sha256");
  }

  @Test
  void aCrafted4GiBLengthShouldBeRejectedWithoutAllocating() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 3);
    store.write(state(10));
    for (long length : new long[] {1L << 30, 0xFFFF_FFFFL}) {
      Path crafted = store.write(state(20));
      // A consistent checkpoint (checksums recomputed) whose one array claims 4 GiB.
      craft(crafted, length, 4);
      warnings.clear();
      assertThat(newestStep(store, Long.MAX_VALUE)).isEqualTo(10);
      assertThat(warnings)
          .singleElement()
          .asString()
          .contains("declares " + length + " floats, more than the file holds");
    }
  }

  @Test
  void anArrayLongerThanTheModelShouldBeRejectedBeforeItIsAllocated() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 3);
    store.write(state(10));
    Path crafted = store.write(state(20));
    craft(crafted, 100_000, 100_000); // the file holds it; the model (4 values) cannot
    assertThat(newestStep(store, 4)).isEqualTo(10);
    assertThat(warnings)
        .singleElement()
        .asString()
        .contains("declares 100000 floats, more than the 4 an array of this model can hold");
    assertThat(store.load(crafted, 100_000).arrays().get("parameter/0")).hasSize(100_000);
  }

  @Test
  void aSymlinkedCheckpointFolderShouldBeSkippedWithAWarning() throws IOException {
    CheckpointStore store = new CheckpointStore(dir.resolve("run"), 3);
    store.write(state(10));
    Path elsewhere = new CheckpointStore(dir.resolve("other"), 3).write(state(20));
    Path link = Files.createSymbolicLink(store.path(20), elsewhere);
    assertThat(newestStep(store, 100)).isEqualTo(10);
    assertThat(warnings).singleElement().asString().contains("symbolic link");
    assertThatThrownBy(() -> store.load(link)).hasMessageContaining("symbolic link");
  }

  @Test
  void aSymlinkedStateFileShouldBeRefused() throws IOException {
    CheckpointStore store = new CheckpointStore(dir.resolve("run"), 3);
    Path p = store.write(state(10));
    Path real = Files.move(p.resolve(CheckpointStore.STATE), dir.resolve("state.bin"));
    Files.createSymbolicLink(p.resolve(CheckpointStore.STATE), real);
    assertThatThrownBy(() -> store.load(p)).hasMessageContaining("not a regular file");
  }

  @Test
  void staleTemporaryFoldersShouldBeRemovedOnOpenAndBeforeWriting() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 3);
    store.write(state(10));
    Path stale = Files.createDirectories(dir.resolve(".tmp-ckpt-000000020-999"));
    Files.writeString(stale.resolve("state.bin"), "half");
    assertThat(newestStep(store, 100)).isEqualTo(10);
    assertThat(stale).doesNotExist();
    Files.createDirectories(stale);
    store.write(state(30));
    assertThat(stale).doesNotExist();
    assertThat(store.steps()).containsExactly(10L, 30L);
  }

  /**
   * Rewrites the checkpoint at {@code ckpt} as one array declaring {@code length} floats with
   * {@code present} floats actually there, and recomputes both checksums, as an attacker would.
   */
  private static void craft(Path ckpt, long length, int present) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.write(CheckpointFormat.MAGIC);
    out.writeInt(CheckpointFormat.VERSION);
    out.writeLong(20);
    out.writeInt(1);
    out.writeInt(0);
    out.writeInt(1);
    byte[] name = "parameter/0".getBytes(StandardCharsets.UTF_8);
    out.writeShort(name.length);
    out.write(name);
    out.writeInt((int) length);
    out.write(new byte[4 * present]);
    out.flush();
    byte[] state = bytes.toByteArray();
    Files.write(ckpt.resolve(CheckpointStore.STATE), state);
    Path manifest = ckpt.resolve(CheckpointStore.MANIFEST);
    @SuppressWarnings("unchecked")
    Map<String, Object> m = new ObjectMapper().readValue(manifest.toFile(), LinkedHashMap.class);
    m.put("state_bytes", state.length);
    m.put("state_sha256", HexFormat.of().formatHex(sha256(state)));
    Files.delete(manifest);
    Manifest.write(m, manifest);
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
