package dev.cohort.train.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
  @TempDir Path dir;

  private Path write(String name, boolean gzip, int magic, int[] dims, byte[] data)
      throws IOException {
    Path p = dir.resolve(name);
    try (OutputStream raw = Files.newOutputStream(p);
        OutputStream o = gzip ? new GZIPOutputStream(raw) : raw;
        DataOutputStream d = new DataOutputStream(o)) {
      d.writeInt(magic);
      for (int x : dims) {
        d.writeInt(x);
      }
      d.write(data);
    }
    return p;
  }

  @Test
  void shouldReadPlainAndGzippedImageFiles() throws IOException {
    byte[] pixels = new byte[2 * 3 * 4];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (byte) (i * 10);
    }
    for (boolean gz : new boolean[] {false, true}) {
      IdxReader.IdxArray a =
          IdxReader.read(write("x" + gz, gz, 0x0803, new int[] {2, 3, 4}, pixels));
      assertThat(a.dims()).containsExactly(2, 3, 4);
      assertThat(a.items()).isEqualTo(2);
      assertThat(a.itemSize()).isEqualTo(12);
      assertThat(a.data()).isEqualTo(pixels);
    }
  }

  @Test
  void aTruncatedFileShouldBeNamedInTheError() throws IOException {
    Path p = write("short", true, 0x0803, new int[] {10, 28, 28}, new byte[100]);
    assertThatThrownBy(() -> IdxReader.read(p))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(p.toString())
        .hasMessageContaining("truncated");
  }

  @Test
  void aFileOfAnotherFormatShouldBeRejected() throws IOException {
    Path p = write("bad", false, 0x0D03, new int[] {1, 1, 1}, new byte[4]);
    assertThatThrownBy(() -> IdxReader.read(p))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not an unsigned-byte IDX file");
  }

  @Test
  void aMissingDataSetShouldSayHowToInstallIt() {
    assertThatThrownBy(() -> FashionMnist.load(FashionMnist.DEFAULT_DIR.resolve("nope"), true))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("apt-get install dataset-fashion-mnist");
  }

  @Test
  void fashionMnistShouldHaveItsDocumentedShape() throws IOException {
    InMemoryDataset test = FashionMnist.load(FashionMnist.DEFAULT_DIR, false);
    assertThat(test.size()).isEqualTo(10_000);
    assertThat(test.featureShape()).containsExactly(1, 28, 28);
    assertThat(test.classes()).isEqualTo(10);
  }
}
