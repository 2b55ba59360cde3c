package dev.cohort.comm.group;

import dev.cohort.comm.CollectiveOptions;
import dev.cohort.comm.CommException;
import dev.cohort.comm.DataType;
import dev.cohort.comm.Failures;
import dev.cohort.comm.GroupStats;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.collective.Reductions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The hierarchical all-reduce of a world that spans hosts with several ranks on some of them: the
 * ranks of each host all-reduce among themselves (over shared memory, zero-copy on buffers from
 * {@link #allocate}), one leader per host (its lowest rank) all-reduces the hosts' sums over TCP,
 * and each leader broadcasts the result to its host. Only leaders cross the network, each with one
 * host's sum: a flat ring over H hosts of L ranks sends 2(HL-1)/(HL) of the data per rank, much of
 * it across hosts, where this sends 2(H-1)/H per host.
 *
 * <p>Its two kinds of sub-group (one per host, one of the leaders) are formed once, with the world.
 * An average is summed at every level and divided once at the end, so hosts of different sizes
 * weigh each rank alike; every rank ends with the leader's bits.
 */
final class HostHierarchy implements AutoCloseable {
  private final ProcessGroup host; // this rank's host
  private final ProcessGroup leaders; // null unless this rank leads its host
  private final List<Integer> hostRanks;
  private final List<Integer> leaderRanks;
  private final int worldSize;

  private HostHierarchy(
      ProcessGroup host,
      ProcessGroup leaders,
      List<Integer> hostRanks,
      List<Integer> leaderRanks,
      int worldSize) {
    this.host = host;
    this.leaders = leaders;
    this.hostRanks = hostRanks;
    this.leaderRanks = leaderRanks;
    this.worldSize = worldSize;
  }

  /**
   * The hierarchy of {@code world}, or null when it would not pay: one host, or one rank per host.
   * Collective over the world (it forms sub-groups), with the same {@code hostOf} on every rank.
   *
   * @param hostOf each rank's host identity, by world rank
   */
  static HostHierarchy form(ProcessGroup world, List<String> hostOf) {
    Map<String, List<Integer>> byHost = new LinkedHashMap<>();
    for (int r = 0; r < hostOf.size(); r++) {
      byHost.computeIfAbsent(hostOf.get(r), h -> new ArrayList<>()).add(r);
    }
    if (byHost.size() < 2 || byHost.size() == hostOf.size()) {
      return null;
    }
    ProcessGroup mine = null;
    List<Integer> mineRanks = null;
    List<Integer> leaderRanks = new ArrayList<>();
    try {
      for (List<Integer> ranks : byHost.values()) {
        ProcessGroup g = world.newSubGroup(ranks);
        if (g != null) {
          mine = g;
          mineRanks = List.copyOf(ranks);
        }
        leaderRanks.add(ranks.get(0));
      }
      ProcessGroup leaders = world.newSubGroup(leaderRanks);
      return new HostHierarchy(mine, leaders, mineRanks, List.copyOf(leaderRanks), hostOf.size());
    } catch (RuntimeException e) {
      if (mine != null) {
        mine.close(); // the leaders' group failed to form: leave no host group behind
      }
      throw e;
    }
  }

  /** Hosts of the world. */
  int hosts() {
    return leaderRanks.size();
  }

  /** A buffer placed for the first step: mapped by every rank of this host. Collective. */
  Tensor allocate(DataType type, int count) {
    return host.allocate(type, count);
  }

  /** The all-reduce as a job of the world's communication thread. */
  Job allReduce(Tensor t, ReduceOp op, CollectiveOptions o, Duration timeout) {
    ReduceOp step = op == ReduceOp.AVG ? ReduceOp.SUM : op;
    // Three collectives, each under the timeout: the job as a whole waits for all three.
    return new Job(
        "allReduce (hierarchical)",
        true,
        timeout.multipliedBy(3),
        seq -> {
          run("within the host, ranks " + hostRanks, () -> host.allReduce(t, step, o));
          if (leaders != null) {
            run(
                "among the hosts' leaders, ranks " + leaderRanks,
                () -> leaders.allReduce(t, step, o));
          }
          run("from the host's leader, rank " + hostRanks.get(0), () -> host.broadcast(t, 0, o));
          if (op == ReduceOp.AVG) {
            Reductions.finishAverage(t.type(), t.bytes(), 0, t.count(), worldSize);
          }
        });
  }

  /**
   * Runs one step. A failure keeps its type (a timeout stays a timeout) and its message gains the
   * step and its world ranks, since the sub-group's message numbers ranks within the sub-group.
   */
  private static void run(String step, Runnable body) {
    try {
      body.run();
    } catch (CommException e) {
      throw Failures.sameKind(
          e, e.getMessage() + " [in the hierarchical all-reduce's step " + step + "]");
    }
  }

  /** The sub-groups' traffic, which the world's own counters do not see. */
  GroupStats stats() {
    GroupStats h = host.stats();
    GroupStats l = leaders == null ? null : leaders.stats();
    return new GroupStats(
        h.waitNanos() + (l == null ? 0 : l.waitNanos()),
        h.bytesSent() + (l == null ? 0 : l.bytesSent()),
        h.bytesReceived() + (l == null ? 0 : l.bytesReceived()),
        List.of());
  }

  void abort(String reason) {
    host.abort(reason);
    if (leaders != null) {
      leaders.abort(reason);
    }
  }

  @Override
  public void close() {
    if (leaders != null) {
      leaders.close();
    }
    host.close();
  }
}
