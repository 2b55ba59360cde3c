package dev.cohort.lab.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts one benchmark run: N rank processes (Cohort JVMs or the peer's Python processes) on a fresh
 * port, waits for all of them within a deadline, and reads rank 0's JSON. Output of the ranks goes
 * to a log file per run, which is named in any error. No process outlives a run.
 */
final class RankLauncher {
  private final Path workDir;
  private final ObjectMapper json = new ObjectMapper();
  private int runs;

  RankLauncher(Path workDir) throws IOException {
    this.workDir = Files.createDirectories(workDir);
  }

  /**
   * @param command for each rank, the command line; "{rank}", "{port}" and "{out}" are replaced
   * @param env extra environment for every rank
   */
  JsonNode run(String label, int np, List<String> command, Map<String, String> env,
      long timeoutSeconds) throws IOException, InterruptedException {
    int port = freePort();
    Path out = workDir.resolve("run-" + (++runs) + ".json");
    Path log = workDir.resolve("run-" + runs + ".log");
    Files.deleteIfExists(out);
    List<Process> procs = new ArrayList<>();
    try {
      for (int r = 0; r < np; r++) {
        List<String> cmd = new ArrayList<>();
        for (String c : command) {
          cmd.add(c.replace("{rank}", Integer.toString(r)).replace("{port}", Integer.toString(port))
              .replace("{out}", out.toString()));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        procs.add(pb.start());
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
      for (int r = 0; r < np; r++) {
        long left = deadline - System.nanoTime();
        Process p = procs.get(r);
        if (!p.waitFor(Math.max(0, left), TimeUnit.NANOSECONDS)) {
          throw new IOException(label + ": rank " + r + " did not finish within " + timeoutSeconds
              + " s; see " + log);
        }
        if (p.exitValue() != 0) {
          throw new IOException(label + ": rank " + r + " exited with status " + p.exitValue()
              + "; see " + log + ":\n" + tail(log));
        }
      }
      return json.readTree(out.toFile());
    } finally {
      for (Process p : procs) {
        p.destroyForcibly();
      }
    }
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
