package dev.cohort.train.split;

import dev.cohort.comm.ProcessGroup;
import dev.cohort.train.LayerSplit;
import dev.cohort.train.model.gpt.GptConfig;
import dev.cohort.train.moe.MoeGpt;
import java.util.ArrayList;
import java.util.List;

/**
 * The sub-groups a split model needs, cut from the world: world rank w is rank {@code w % s} of the
 * tensor or expert group {@code w / s} (s its size: consecutive ranks, so that a group stays on one
 * host), and the ranks with the same {@code w % s} in the other groups are its replicas. Tensor
 * ranks share a batch; every expert rank has its own. Building is collective over the world.
 *
 * @param size workers per tensor or expert group
 * @param group this rank's tensor or expert group (null when of 1)
 * @param replicas the ranks holding this rank's shards or experts alike (null when none; the world
 *     itself when every rank holds everything)
 * @param tensor whether {@code group} is a tensor group (else an expert group)
 */
public record SplitGroups(
    ProcessGroup world, int size, ProcessGroup group, ProcessGroup replicas, boolean tensor)
    implements AutoCloseable {

  /**
   * Cuts the groups {@code split} needs for {@code model}. Collective over {@code world}.
   *
   * @throws IllegalArgumentException if the split does not fit the world or the model
   */
  public static SplitGroups of(ProcessGroup world, LayerSplit split, GptConfig model) {
    int n = world.size();
    split.check(n, model.heads(), model.width());
    boolean tensor = split.tensor() > 1;
    int size = tensor ? split.tensor() : split.expertGroup(n);
    ProcessGroup group = null;
    ProcessGroup replicas = null;
    try {
      if (size > 1) {
        for (int first = 0; first < n; first += size) {
          group = mine(world.newSubGroup(range(first, size, 1)), group);
        }
      }
      if (size == 1 && n > 1) {
        replicas = world; // every rank holds everything: the world itself, no second group
      } else if (size < n) {
        for (int r = 0; r < size; r++) {
          replicas = mine(world.newSubGroup(range(r, n / size, size)), replicas);
        }
      }
    } catch (RuntimeException e) {
      closeAll(world, group, replicas);
      throw e;
    }
    return new SplitGroups(world, size, group, replicas, tensor);
  }

  /** Closes the sub-groups made, never the world; every one even if one fails. */
  private static void closeAll(ProcessGroup world, ProcessGroup group, ProcessGroup replicas) {
    try {
      if (group != null) {
        group.close();
      }
    } finally {
      if (replicas != null && replicas != world) {
        replicas.close();
      }
    }
  }

  private static ProcessGroup mine(ProcessGroup made, ProcessGroup before) {
    return made != null ? made : before;
  }

  private static List<Integer> range(int first, int count, int stride) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(first + i * stride);
    }
    return out;
  }

  /** Data-parallel replicas, each with batches of its own. */
  public int dataReplicas() {
    return tensor ? world.size() / size : world.size();
  }

  /** This rank's replica: which of the batches it takes. */
  public int dataReplica() {
    return tensor ? world.rank() / size : world.rank();
  }

  /** The expert-parallel layout (a mixture of experts). */
  public MoeGpt.Groups experts() {
    return new MoeGpt.Groups(group, world.size() > 1 ? world : null, replicas);
  }

  @Override
  public void close() {
    closeAll(world, group, replicas);
  }
}
