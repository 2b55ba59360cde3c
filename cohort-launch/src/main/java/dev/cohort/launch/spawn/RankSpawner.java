package dev.cohort.launch.spawn;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;

/**
 * Starts N rank processes. For each rank it builds the command line (optionally behind a prefix
 * such as {@code ip netns exec NS} that places it on an emulated host), the environment (the
 * world's variables plus anything rank-specific) and where the output goes (a log file per rank, or
 * a pipe the caller reads). If any rank fails to start, the ranks already started are stopped
 * before the error is thrown: nothing is left behind.
 */
public final class RankSpawner {
  /** Where each rank's process runs: words before its command line and extra environment. */
  public interface Placement {
    /** Here, as it is: no prefix, no extra environment. */
    Placement HERE =
        new Placement() {
          @Override
          public List<String> commandPrefix(int rank) {
            return List.of();
          }

          @Override
          public Map<String, String> environment(int rank) {
            return Map.of();
          }
        };

    List<String> commandPrefix(int rank);

    Map<String, String> environment(int rank);
  }

  private final int nproc;
  private IntFunction<List<String>> command;
  private IntFunction<Map<String, String>> environment = r -> Map.of();
  private Placement placement = Placement.HERE;
  private IntFunction<Path> logFile;
  private IntPredicate piped = r -> false;

  private RankSpawner(int nproc) {
    if (nproc < 1) {
      throw new IllegalArgumentException("need at least one process, got " + nproc);
    }
    this.nproc = nproc;
  }

  /** A spawner for {@code nproc} ranks. */
  public static RankSpawner of(int nproc) {
    return new RankSpawner(nproc);
  }

  /** The same Java command for every rank. */
  public RankSpawner java(JavaCommand cmd) {
    List<String> line = cmd.toList();
    this.command = r -> line;
    return this;
  }

  /** A command line per rank (any program, e.g. a peer's Python script). */
  public RankSpawner command(IntFunction<List<String>> perRank) {
    this.command = perRank;
    return this;
  }

  /** Every rank gets {@code world}'s variables for its rank. */
  public RankSpawner world(WorldAddress world) {
    if (world.size() != nproc) {
      throw new IllegalArgumentException("world size " + world.size() + " != " + nproc + " ranks");
    }
    IntFunction<Map<String, String>> before = environment;
    this.environment =
        r -> {
          Map<String, String> env = new LinkedHashMap<>(before.apply(r));
          env.putAll(world.environment(r));
          return env;
        };
    return this;
  }

  /** Extra environment, the same for every rank (applied after the world's). */
  public RankSpawner environment(Map<String, String> extra) {
    IntFunction<Map<String, String>> before = environment;
    this.environment =
        r -> {
          Map<String, String> env = new LinkedHashMap<>(before.apply(r));
          env.putAll(extra);
          return env;
        };
    return this;
  }

  /** Where each rank runs (an emulated host); its environment is applied last. */
  public RankSpawner placement(Placement p) {
    this.placement = p;
    return this;
  }

  /** Appends each rank's output (stdout and stderr) to this file. */
  public RankSpawner logs(IntFunction<Path> perRank) {
    this.logFile = perRank;
    return this;
  }

  /** This rank's output goes to a pipe ({@link Process#getInputStream()}) instead of its log. */
  public RankSpawner pipe(int rank) {
    this.piped = r -> r == rank;
    return this;
  }

  /** Every rank's output goes to a pipe ({@link Process#getInputStream()}) instead of its log. */
  public RankSpawner pipeAll() {
    this.piped = r -> true;
    return this;
  }

  /** Starts every rank; on any failure stops those already started and rethrows. */
  public RankProcesses start() throws IOException {
    if (command == null) {
      throw new IllegalStateException("no command: call java(...) or command(...) first");
    }
    List<Process> started = new ArrayList<>();
    RankProcesses procs = new RankProcesses(started, logFile);
    try {
      for (int r = 0; r < nproc; r++) {
        List<String> cmd = new ArrayList<>(placement.commandPrefix(r));
        cmd.addAll(command.apply(r));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(environment.apply(r));
        pb.environment().putAll(placement.environment(r));
        if (!piped.test(r)) {
          pb.redirectOutput(
              logFile == null
                  ? ProcessBuilder.Redirect.DISCARD
                  : ProcessBuilder.Redirect.appendTo(logFile.apply(r).toFile()));
        }
        started.add(pb.start());
      }
      return procs;
    } catch (IOException | RuntimeException e) {
      procs.close();
      throw e;
    }
  }
}
