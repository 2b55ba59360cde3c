package dev.cohort.train.data.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FortunesTest {

  @Test
  void debiansFortunesShouldSplitNineToOneIntoPrintableText() throws IOException {
    TextCorpus c = Fortunes.load(Fortunes.DEFAULT_DIR);
    assertThat(c.entries()).isGreaterThan(5000);
    assertThat(c.train().length).isGreaterThan(1_000_000);
    double share = (double) c.validation().length / (c.train().length + c.validation().length);
    assertThat(share).isBetween(0.07, 0.13);
    String text = CharVocabulary.decode(c.train());
    assertThat(text).contains(" the ").doesNotContain("\t").doesNotContain("\n%\n");
    assertThat(c.description()).startsWith("fortunes (");
    // Fixed: the same split on every load.
    assertThat(Fortunes.load(Fortunes.DEFAULT_DIR).validation()).isEqualTo(c.validation());
  }

  @Test
  void entriesShouldAlternateNineForTrainingAndOneForValidation(@TempDir Path dir)
      throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      sb.append("entry ").append((char) ('a' + i)).append("\n%\n");
    }
    Files.writeString(dir.resolve("quotes"), sb);
    Files.writeString(dir.resolve("quotes.dat"), "index, not text");
    TextCorpus c = Fortunes.load(dir);
    assertThat(c.entries()).isEqualTo(20);
    assertThat(CharVocabulary.decode(c.validation())).isEqualTo("entry j\n\nentry t\n\n");
  }

  @Test
  void aFolderWithoutFortunesShouldSayHowToGetThem(@TempDir Path dir) {
    assertThatThrownBy(() -> Fortunes.load(dir))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("no fortune files in " + dir);
    assertThatThrownBy(() -> Fortunes.load(dir.resolve("missing")))
        .hasMessageContaining("default /usr/share/games/fortunes");
  }

  @Test
  void theVocabularyShouldRoundTripPrintableAsciiAndDropTheRest() {
    String s = "Hello,\tworld!\n~";
    assertThat(CharVocabulary.decode(CharVocabulary.encode(s))).isEqualTo("Hello, world!\n~");
    assertThat(CharVocabulary.encode("a\bb\u00e9c")).containsExactly(66, 67, 68);
    assertThat(CharVocabulary.token('\n')).isZero();
    assertThat(CharVocabulary.token('~')).isEqualTo(CharVocabulary.SIZE - 1);
    assertThatThrownBy(() -> CharVocabulary.character(96)).hasMessage("token 96 is outside 0..95");
  }

  @Test
  void windowsShouldPairEachTokenWithTheNext() {
    TokenWindows w = new TokenWindows(new int[] {1, 2, 3, 4, 5, 6, 7}, 3);
    assertThat(w.size()).isEqualTo(2);
    int[] in = new int[3];
    int[] out = new int[3];
    w.input(1, in, 0);
    w.target(1, out, 0);
    assertThat(in).containsExactly(4, 5, 6);
    assertThat(out).containsExactly(5, 6, 7);
    assertThatThrownBy(() -> w.input(2, in, 0)).hasMessage("window 2 of 2");
    try (NDManager m = NDManager.newBaseManager()) {
      NDList xy = w.batch(m, 0, 2);
      assertThat(xy.get(0).getShape()).isEqualTo(new Shape(2, 3));
      assertThat(xy.get(0).toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
      assertThat(xy.get(1).toFloatArray()).containsExactly(2, 3, 4, 5, 6, 7);
    }
    assertThatThrownBy(() -> new TokenWindows(new int[3], 3))
        .hasMessage("a text of 3 tokens holds no window of 3 (and the one after)");
  }
}
