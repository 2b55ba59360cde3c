package dev.cohort.launch.local;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Copies a process's output to the console as it comes (progress bars redraw with {@code \r}, so
 * characters pass through one by one) and, a line at a time, to its log file.
 */
final class OutputTee {
  private OutputTee() {}

  /** Starts a daemon thread that tees {@code p}'s output to {@code console} and {@code log}. */
  static Thread start(Process p, Path log, PrintStream console, String name) throws IOException {
    Writer file =
        Files.newBufferedWriter(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    Thread t =
        new Thread(
            () -> {
              try (file;
                  BufferedReader in =
                      new BufferedReader(
                          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                int c;
                StringBuilder line = new StringBuilder();
                while ((c = in.read()) >= 0) {
                  console.print((char) c);
                  line.append((char) c);
                  if (c == '\n') {
                    file.write(line.toString());
                    file.flush();
                    line.setLength(0);
                  }
                }
                file.write(line.toString());
              } catch (IOException e) {
                console.println("(lost " + name + "'s output: " + e.getMessage() + ")");
              }
            },
            "cohort-launcher-" + name.replace(' ', '-') + "-output");
    t.setDaemon(true);
    t.start();
    return t;
  }
}
