package dev.cohort.train.data.text;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Debian's fortunes ({@code apt-get install fortunes}): a few thousand English quotations, jokes
 * and definitions, one file per theme, entries separated by a line holding {@code %}.
 *
 * <p>The split is fixed: every tenth entry, counted over the files in name order, is validation
 * text, the rest training text. ASCII pictures ({@code ascii-art}) are left out.
 */
public final class Fortunes {
  /** Where Debian installs them. */
  public static final Path DEFAULT_DIR = Path.of("/usr/share/games/fortunes");

  private static final List<String> NOT_PROSE = List.of("ascii-art");

  private Fortunes() {}

  /**
   * Reads and splits the fortunes in {@code dir}.
   *
   * @throws IOException if the folder holds no fortune files, with how to install them
   */
  public static TextCorpus load(Path dir) throws IOException {
    List<Path> files = new ArrayList<>();
    if (Files.isDirectory(dir)) {
      try (Stream<Path> s = Files.list(dir)) {
        s.filter(Files::isRegularFile)
            .filter(p -> !p.getFileName().toString().contains("."))
            .filter(p -> !NOT_PROSE.contains(p.getFileName().toString()))
            .sorted()
            .forEach(files::add);
      }
    }
    if (files.isEmpty()) {
      throw new IOException(
          "no fortune files in "
              + dir
              + (dir.equals(DEFAULT_DIR)
                  ? "; install them with: apt-get install fortunes"
                  : "; give the folder of Debian's fortunes (default " + DEFAULT_DIR + ")"));
    }
    StringBuilder train = new StringBuilder();
    StringBuilder validation = new StringBuilder();
    int entries = 0;
    for (Path f : files) {
      // Some files hold Latin-1 bytes: decoded leniently, the vocabulary drops what is not ASCII.
      String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
      StringBuilder entry = new StringBuilder();
      for (String line : (text + "\n%").split("\r?\n")) {
        if (!line.equals("%")) {
          entry.append(line).append('\n');
          continue;
        }
        String e = entry.toString().strip();
        entry.setLength(0);
        if (!e.isEmpty()) {
          (entries++ % 10 == 9 ? validation : train).append(e).append("\n\n");
        }
      }
    }
    return new TextCorpus(
        CharVocabulary.encode(train),
        CharVocabulary.encode(validation),
        entries,
        "fortunes (" + files.size() + " files, " + entries + " entries)");
  }
}
