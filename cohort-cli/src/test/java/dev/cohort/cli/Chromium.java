package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's Chromium, headless, for tests of pages: the DOM after the page's scripts ran, or a
 * screenshot. Each call starts a browser with an empty profile and no network of its own beyond the
 * page's (this machine's network is closed: background requests would only be refused).
 */
final class Chromium {
  private static final Path BINARY = Path.of("/usr/bin/chromium");

  private Chromium() {}

  /** Skips the test where Chromium is not installed, except in CI, which installs it. */
  static void assumeInstalled() {
    Assumptions.assumeTrue(
        Files.isExecutable(BINARY) || System.getenv("CI") != null,
        "Debian's chromium is not installed here (CI installs it)");
  }

  /** The page's DOM after {@code budgetMillis} of the page's (virtual) time. */
  static String dumpDom(URI page, Path profile, long budgetMillis) throws Exception {
    return run(page, profile, budgetMillis, List.of("--dump-dom"));
  }

  /** A screenshot of the page, {@code width} x {@code height}, after {@code budgetMillis}. */
  static void screenshot(URI page, Path profile, long budgetMillis, Path png, int width, int height)
      throws Exception {
    run(
        page,
        profile,
        budgetMillis,
        List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=" + width + "," + height));
    assertThat(png).isNotEmptyFile();
  }

  private static String run(URI page, Path profile, long budgetMillis, List<String> extra)
      throws IOException, InterruptedException {
    Files.createDirectories(profile);
    List<String> cmd =
        new ArrayList<>(
            List.of(
                BINARY.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + profile.toAbsolutePath(),
                "--virtual-time-budget=" + budgetMillis));
    cmd.addAll(extra);
    cmd.add(page.toString());
    Path log = Files.createTempFile(profile.getParent(), "chromium", ".log");
    Path out = Files.createTempFile(profile.getParent(), "chromium", ".out");
    Process p =
        new ProcessBuilder(cmd).redirectError(log.toFile()).redirectOutput(out.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish in 60 s: " + Files.readString(log));
    }
    assertThat(p.exitValue()).as("chromium: " + Files.readString(log)).isZero();
    return Files.readString(out, StandardCharsets.UTF_8);
  }
}
