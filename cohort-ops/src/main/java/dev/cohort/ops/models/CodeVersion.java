package dev.cohort.ops.models;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The git commit of the working folder (where Cohort runs from), {@code +dirty} when tracked files
 * have changes; empty outside a git checkout or without git.
 */
final class CodeVersion {
  private CodeVersion() {}

  static Optional<String> here() {
    Optional<String> commit = git(List.of("git", "rev-parse", "HEAD"));
    if (commit.isEmpty()) {
      return commit;
    }
    Optional<String> changes = git(List.of("git", "status", "--porcelain", "--untracked-files=no"));
    return Optional.of(commit.get() + (changes.map(String::isEmpty).orElse(true) ? "" : "+dirty"));
  }

  private static Optional<String> git(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getOutputStream().close();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return Optional.empty();
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return p.exitValue() == 0 ? Optional.of(out) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty(); // no git here: the version is left unknown
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
