package dev.cohort.train.pipeline;

import dev.cohort.comm.ProcessGroup;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One process group per direction between neighbouring ranks of a pipeline (r to r + 1 and r to r -
 * 1, around the ring for interleaved schedules), each carrying messages one way only.
 *
 * <p>A group runs its transfers one at a time on its own thread, and a send larger than the
 * shared-memory ring finishes only as its receiver drains it. Were both directions one group, two
 * neighbours sending to each other at once (1F1B's steady state, interleaved 1F1B's warm-up) would
 * each wait for the other to receive, with the receives queued behind the sends. With a group per
 * direction a receive never waits behind its own side's send.
 */
public final class PipelineChannels implements AutoCloseable {
  private final int me;
  private final Map<Integer, ProcessGroup> to = new TreeMap<>();
  private final Map<Integer, ProcessGroup> from = new TreeMap<>();

  private PipelineChannels(int me) {
    this.me = me;
  }

  /**
   * Opens the channels of every pipeline of {@code pipelineSize} consecutive world ranks.
   * Collective: every rank of the world calls it.
   */
  static PipelineChannels open(ProcessGroup world, int pipelineSize) {
    PipelineChannels c = new PipelineChannels(world.rank() % pipelineSize);
    int pipelines = world.size() / pipelineSize;
    // Every rank creates every group, in the same order; a rank gets null for groups without it.
    for (int d = 0; d < pipelines; d++) {
      for (int r = 0; r < pipelineSize; r++) {
        for (int q : neighbours(r, pipelineSize)) {
          ProcessGroup g = world.newSubGroup(List.of(d * pipelineSize + r, d * pipelineSize + q));
          if (g != null && r == c.me) {
            c.to.put(q, g);
          } else if (g != null) {
            c.from.put(r, g);
          }
        }
      }
    }
    return c;
  }

  private static Set<Integer> neighbours(int r, int size) {
    Set<Integer> out = new LinkedHashSet<>();
    for (int q : new int[] {(r + 1) % size, (r - 1 + size) % size}) {
      if (q != r) {
        out.add(q);
      }
    }
    return out;
  }

  /** The group in which this rank sends to {@code peer} (a pipeline rank). */
  ProcessGroup to(int peer) {
    return channel(to, peer, "to");
  }

  /** The group in which this rank receives from {@code peer}. */
  ProcessGroup from(int peer) {
    return channel(from, peer, "from");
  }

  /** {@code peer}'s rank within the two-rank group it shares with this rank. */
  int rankOf(int peer) {
    return peer < me ? 0 : 1;
  }

  private ProcessGroup channel(Map<Integer, ProcessGroup> groups, int peer, String way) {
    ProcessGroup g = groups.get(peer);
    if (g == null) {
      throw new IllegalStateException(
          "pipeline rank "
              + me
              + " has no channel "
              + way
              + " rank "
              + peer
              + ": only neighbouring ranks exchange activations and gradients");
    }
    return g;
  }

  /** Fails every pending and future transfer of this rank's channels with {@code reason}. */
  void abort(String reason) {
    to.values().forEach(g -> g.abort(reason));
    from.values().forEach(g -> g.abort(reason));
  }

  @Override
  public void close() {
    RuntimeException first = null;
    for (ProcessGroup g : List.copyOf(to.values())) {
      first = closeQuietly(g, first);
    }
    for (ProcessGroup g : List.copyOf(from.values())) {
      first = closeQuietly(g, first);
    }
    if (first != null) {
      throw first;
    }
  }

  private static RuntimeException closeQuietly(ProcessGroup g, RuntimeException first) {
    try {
      g.close();
      return first;
    } catch (RuntimeException e) {
      if (first != null) {
        first.addSuppressed(e);
        return first;
      }
      return e;
    }
  }
}
