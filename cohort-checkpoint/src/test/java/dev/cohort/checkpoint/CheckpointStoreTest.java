package dev.cohort.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {
  @TempDir Path dir;

  private static TrainingState state(long step) {
    Map<String, float[]> arrays = new LinkedHashMap<>();
    float[] w = new float[200_001];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) Math.sin(i + step);
    }
    arrays.put("param/0", w);
    arrays.put("adam/m/0", new float[] {1.5f, -0f, Float.MIN_VALUE, Float.NaN});
    arrays.put("empty", new float[0]);
    return new TrainingState(step, 2, 17, arrays, Map.of("model", "mlp", "seed", 3));
  }

  @Test
  void aWrittenCheckpointShouldReadBackBitForBit() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 3);
    Path p = store.write(state(40));
    TrainingState back = store.load(p);
    assertThat(back.step()).isEqualTo(40);
    assertThat(back.epoch()).isEqualTo(2);
    assertThat(back.batch()).isEqualTo(17);
    assertThat(back.arrays().keySet()).containsExactly("param/0", "adam/m/0", "empty");
    for (String k : back.arrays().keySet()) {
      float[] a = state(40).arrays().get(k);
      float[] b = back.arrays().get(k);
      assertThat(b.length).isEqualTo(a.length);
      for (int i = 0; i < a.length; i++) {
        assertThat(Float.floatToRawIntBits(b[i])).isEqualTo(Float.floatToRawIntBits(a[i]));
      }
    }
    assertThat(back.meta()).containsEntry("model", "mlp");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(f -> f.getFileName().toString()).toList())
          .containsExactly("ckpt-000000040");
    }
  }

  @Test
  void checkpointFoldersShouldBe0700AndFiles0600() throws IOException {
    Path run = dir.resolve("run");
    CheckpointStore store = new CheckpointStore(run.resolve("checkpoints"), 3);
    Path p = store.write(state(1));
    assertThat(mode(run)).isEqualTo("rwx------");
    assertThat(mode(run.resolve("checkpoints"))).isEqualTo("rwx------");
    assertThat(mode(p)).isEqualTo("rwx------");
    assertThat(mode(p.resolve("state.bin"))).isEqualTo("rw-------");
    assertThat(mode(p.resolve("manifest.json"))).isEqualTo("rw-------");
  }

  @Test
  void anExistingFolderShouldKeepItsMode() throws IOException {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-x---"));
    Path p = new CheckpointStore(dir, 3).write(state(1));
    assertThat(mode(dir)).isEqualTo("rwxr-x---");
    assertThat(mode(p)).isEqualTo("rwx------");
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void onlyTheLastKShouldBeKept() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 2);
    for (long s : new long[] {10, 20, 30}) {
      store.write(state(s));
    }
    assertThat(store.steps()).containsExactly(20L, 30L);
  }

  @Test
  void aCorruptedByteInTheNewestShouldFallBackWithAWarning() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 3);
    store.write(state(10));
    Path newest = store.write(state(20));
    try (RandomAccessFile f = new RandomAccessFile(newest.resolve("state.bin").toFile(), "rw")) {
      f.seek(5000);
      int b = f.read();
      f.seek(5000);
      f.write(b ^ 0x01);
    }
    List<String> warnings = new ArrayList<>();
    CheckpointStore.Loaded l = store.loadNewest(warnings::add).orElseThrow();
    assertThat(l.state().step()).isEqualTo(10);
    assertThat(warnings)
        .singleElement()
        .asString()
        .contains("ckpt-000000020")
        .contains("SHA-256")
        .contains("falling back");
  }

  @Test
  void aTruncatedNewestShouldFallBackWithAWarning() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 3);
    store.write(state(10));
    Path newest = store.write(state(20));
    try (RandomAccessFile f = new RandomAccessFile(newest.resolve("state.bin").toFile(), "rw")) {
      f.setLength(f.length() / 2);
    }
    List<String> warnings = new ArrayList<>();
    assertThat(store.loadNewest(warnings::add).orElseThrow().state().step()).isEqualTo(10);
    assertThat(warnings).singleElement().asString().contains("truncated");
  }

  @Test
  void aLeftoverTemporaryFolderShouldBeIgnored() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 3);
    store.write(state(10));
    Files.createDirectories(dir.resolve(".tmp-ckpt-000000020-999"));
    Files.writeString(dir.resolve(".tmp-ckpt-000000020-999/state.bin"), "half");
    assertThat(store.steps()).containsExactly(10L);
    assertThat(store.loadNewest(w -> {}).orElseThrow().state().step()).isEqualTo(10);
  }

  @Test
  void noUsableCheckpointShouldBeEmptyNotAnError() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 3);
    assertThat(store.loadNewest(w -> {})).isEmpty();
    Path only = store.write(state(5));
    Files.delete(only.resolve("manifest.json"));
    List<String> warnings = new ArrayList<>();
    assertThat(store.loadNewest(warnings::add)).isEmpty();
    assertThat(warnings).singleElement().asString().contains("manifest unreadable");
  }

  @Test
  void aFullDiskShouldFailTheWriteAndLeaveEarlierCheckpointsIntact() throws Exception {
    // A real full disk: a 2 MiB tmpfs, room for one checkpoint of ~0.8 MB but not for a second
    // one beside it. Mounting needs root, as in CI; elsewhere the test is skipped.
    Path mnt = Files.createDirectories(dir.resolve("tiny"));
    Process mount =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt.toString())
            .redirectErrorStream(true)
            .start();
    org.junit.jupiter.api.Assumptions.assumeTrue(
        mount.waitFor() == 0, "cannot mount a tmpfs here (not root?)");
    try {
      CheckpointStore store = new CheckpointStore(mnt, 3);
      store.write(state(10));
      Files.write(mnt.resolve("filler"), new byte[900_000]);
      assertThatThrownBy(() -> store.write(state(20)))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("ckpt-000000020")
          .hasMessageContaining("earlier checkpoints are intact");
      assertThat(store.steps()).containsExactly(10L);
      try (Stream<Path> files = Files.list(mnt)) {
        assertThat(files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith(".tmp")))
            .as("temporary folder cleaned up")
            .isEmpty();
      }
      assertThat(store.loadNewest(w -> {}).orElseThrow().state().step()).isEqualTo(10);
    } finally {
      new ProcessBuilder("umount", mnt.toString()).start().waitFor();
    }
  }

  @Test
  void asyncWritesShouldHappenInOrderAndReportFailures() throws IOException {
    CheckpointStore store = new CheckpointStore(dir, 5);
    try (AsyncCheckpointWriter w = new AsyncCheckpointWriter(store)) {
      assertThat(w.submit(state(1))).isNull();
      AsyncCheckpointWriter.Written first = w.submit(state(2));
      assertThat(first.path().getFileName().toString()).isEqualTo("ckpt-000000001");
      assertThat(first.bytes()).isEqualTo(state(1).bytes());
    }
    assertThat(store.steps()).containsExactly(1L, 2L);
    assertThatThrownBy(() -> new CheckpointStore(dir, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
