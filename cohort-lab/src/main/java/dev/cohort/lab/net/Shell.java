package dev.cohort.lab.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the system tools that set up namespaces (ip, tc, nft), each with a timeout. */
final class Shell {
  private static final long TIMEOUT_SECONDS = 30;

  private Shell() {}

  /** Runs the command; throws with the command line and its output when it fails. */
  static String run(List<String> cmd) throws IOException {
    return run(cmd, null);
  }

  /** Runs the command with {@code stdin} as its input. */
  static String run(List<String> cmd, String stdin) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      if (stdin != null) {
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(
            "'" + String.join(" ", cmd) + "' did not finish in " + TIMEOUT_SECONDS + " s");
      }
      if (p.exitValue() != 0) {
        throw new IOException(
            "'"
                + String.join(" ", cmd)
                + "' failed with exit status "
                + p.exitValue()
                + ": "
                + out.strip());
      }
      return out;
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running '" + String.join(" ", cmd) + "'", e);
    }
  }

  /** The absolute path of a tool on the PATH or in /usr/sbin, /sbin; null if there is none. */
  static String which(String tool) {
    String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
        return Path.of(dir, tool).toString();
      }
    }
    return null;
  }
}
