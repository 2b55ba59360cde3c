package dev.cohort.launch.local;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Copies a process's output, on a daemon thread, to its log file as it comes and to the console:
 * either as it comes (progress bars redraw with {@code \r}, so nothing waits for a line end), or a
 * whole line at a time behind a prefix such as {@code [rank 1] }, so that the lines of several
 * processes never mix. Records when output last arrived, for hang detection by silence.
 */
final class OutputTee {
  private static final int CHUNK_CHARS = 8192;
  private static final int READ_ATTEMPTS = 3;
  private static final Duration RETRY_WAIT = Duration.ofMillis(200);

  private final Thread thread;
  private volatile long lastOutputNanos = System.nanoTime();

  private OutputTee(Process p, Writer file, PrintStream console, String prefix, String name) {
    this.thread =
        new Thread(
            () -> copy(p, file, console, prefix, name),
            "cohort-launcher-" + name.replace(' ', '-') + "-output");
    thread.setDaemon(true);
    thread.start();
  }

  /** Tees {@code p}'s output to {@code log} and, as it comes, to {@code console}. */
  static OutputTee start(Process p, Path log, PrintStream console, String name) throws IOException {
    return new OutputTee(p, open(log), console, null, name);
  }

  /**
   * Tees {@code p}'s output to {@code log} and, a line at a time behind {@code prefix}, to the
   * console.
   */
  static OutputTee prefixed(Process p, Path log, PrintStream console, String prefix, String name)
      throws IOException {
    return new OutputTee(p, open(log), console, prefix, name);
  }

  /** {@link System#nanoTime()} when output last arrived (or when the tee started). */
  long lastOutputNanos() {
    return lastOutputNanos;
  }

  /**
   * Waits until the process's output has all been copied (its end reached), at most {@code
   * timeout}: a child the process left behind may hold the pipe open.
   */
  void drain(Duration timeout) throws InterruptedException {
    thread.join(Math.max(1, timeout.toMillis()));
  }

  private static Writer open(Path log) throws IOException {
    return Files.newBufferedWriter(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /**
   * Reads the next chunk of the process's output. When the process exits, the JDK moves whatever
   * its pipe still holds into a buffer and closes the pipe, which a read under way can see as
   * "Stream closed"; the rest of the output (a stopped worker's last lines and summary) is then in
   * that buffer, so the read is tried again.
   */
  private static int read(Process p, Reader in, char[] chunk) throws IOException {
    for (int attempt = 1; ; attempt++) {
      try {
        return in.read(chunk);
      } catch (IOException e) {
        if (attempt >= READ_ATTEMPTS) {
          throw e;
        }
        try {
          p.waitFor(RETRY_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  private void copy(Process p, Writer file, PrintStream console, String prefix, String name) {
    StringBuilder line = new StringBuilder();
    try (file;
        Reader in = new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)) {
      char[] chunk = new char[CHUNK_CHARS];
      int n;
      while ((n = read(p, in, chunk)) >= 0) {
        lastOutputNanos = System.nanoTime();
        file.write(chunk, 0, n);
        file.flush();
        if (prefix == null) {
          console.print(new String(chunk, 0, n));
          continue;
        }
        for (int i = 0; i < n; i++) {
          line.append(chunk[i]);
          if (chunk[i] == '\n') {
            console.print(prefix + line); // one call per line: lines of several ranks never mix
            line.setLength(0);
          }
        }
      }
      if (line.length() > 0) {
        console.print(prefix + line + System.lineSeparator());
      }
      console.flush();
    } catch (IOException e) {
      console.println("(lost " + name + "'s output: " + e.getMessage() + ")");
    }
  }
}
