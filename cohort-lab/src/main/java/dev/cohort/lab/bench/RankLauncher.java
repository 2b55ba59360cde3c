package dev.cohort.lab.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.launch.spawn.RankProcesses;
import dev.cohort.launch.spawn.RankSpawner;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Starts one benchmark run: N rank processes (Cohort JVMs or the peer's Python processes) on a
 * fresh port, waits for all of them within a deadline, and reads rank 0's JSON. Output of the ranks
 * goes to a log file per run, which is named in any error. No process outlives a run.
 */
public final class RankLauncher {
  private final Path workDir;
  private final ObjectMapper json = new ObjectMapper();
  private int runs;

  public RankLauncher(Path workDir) throws IOException {
    this.workDir = Files.createDirectories(workDir);
  }

  /**
   * @param command for each rank, the command line; "{rank}", "{port}" and "{out}" are replaced
   * @param env extra environment for every rank
   */
  public JsonNode run(
      String label, int np, List<String> command, Map<String, String> env, long timeoutSeconds)
      throws IOException, InterruptedException {
    int port = freePort();
    Path out = workDir.resolve("run-" + (++runs) + ".json");
    Path log = workDir.resolve("run-" + runs + ".log");
    Files.deleteIfExists(out);
    try (RankProcesses procs =
        RankSpawner.of(np)
            .command(
                r ->
                    command.stream()
                        .map(
                            c ->
                                c.replace("{rank}", Integer.toString(r))
                                    .replace("{port}", Integer.toString(port))
                                    .replace("{out}", out.toString()))
                        .toList())
            .environment(env)
            .logs(r -> log)
            .start()) {
      procs.awaitSuccess(label, Duration.ofSeconds(timeoutSeconds));
    }
    return json.readTree(out.toFile());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
