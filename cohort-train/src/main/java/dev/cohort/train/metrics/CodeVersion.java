package dev.cohort.train.metrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The git commit of the working folder (where Cohort runs from) at registration, {@code +dirty}
 * when tracked files have changes ({@code +unknown} when that cannot be told); empty outside a git
 * checkout or without git.
 */
public final class CodeVersion {
  private CodeVersion() {}

  /** The commit here, with its state; empty outside git. */
  public static Optional<String> here() {
    Optional<String> commit = git(List.of("git", "rev-parse", "HEAD"));
    if (commit.isEmpty()) {
      return commit;
    }
    Optional<String> changes = git(List.of("git", "status", "--porcelain", "--untracked-files=no"));
    String state = changes.map(c -> c.isEmpty() ? "" : "+dirty").orElse("+unknown");
    return Optional.of(commit.get() + state);
  }

  /** The command's output, or empty when it fails or takes over 10 s. */
  private static Optional<String> git(List<String> command) {
    Path out = null;
    try {
      out = Files.createTempFile("cohort-git-", ".out");
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(out.toFile()) // a file, not a pipe: a long output cannot block git
              .start();
      p.getOutputStream().close();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return Optional.empty();
      }
      String text = Files.readString(out, StandardCharsets.UTF_8).strip();
      return p.exitValue() == 0 ? Optional.of(text) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty(); // no git here: the version is left unknown
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } finally {
      if (out != null) {
        try {
          Files.deleteIfExists(out);
        } catch (IOException e) {
          // a temporary file left behind is harmless; the version is what matters here
        }
      }
    }
  }
}
