package dev.cohort.train.pipeline;

import dev.cohort.checkpoint.CheckpointFolders;
import dev.cohort.checkpoint.CheckpointStore;
import dev.cohort.checkpoint.TrainingState;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import dev.cohort.train.Checkpointing;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Resuming a pipeline from its stages' checkpoints ({@link StageCheckpoints}). Every rank reads its
 * stages from the run folder (shared, as for data parallelism): the ranks agree on the newest step
 * whose every stage verifies, each loads and checks its stages of that step, and every rank resumes
 * or none does.
 *
 * @param meta what each stage's checkpoint must record to be resumed here
 */
record StageResume(
    ProcessGroup world,
    Checkpointing cfg,
    Path resumeDir,
    List<StageState> stages,
    Function<StageState, Map<String, Object>> meta,
    PrintStream log) {

  /**
   * Resumes if asked to, as rank 0 decides (with {@code onlyIfPresent}: only when it finds a
   * checkpoint). Collective over the world.
   *
   * @return the restored position, or null to start fresh
   * @throws IllegalStateException if no step has every stage's checkpoint, or the one found belongs
   *     to another model, seed or text
   */
  TrainingState resumeIfAsked() {
    boolean wanted =
        cfg.resumeFrom() != null
            && (!cfg.onlyIfPresent()
                || CheckpointFolders.hasAny(CheckpointFolders.of(cfg.resumeFrom())));
    int[] flag = {world.rank() == 0 && wanted ? 1 : 0};
    world.allReduce(flag, ReduceOp.MAX);
    return flag[0] == 0 ? null : resume();
  }

  private TrainingState resume() {
    Path dir = CheckpointFolders.of(resumeDir);
    Map<Integer, CheckpointStore> stores = new HashMap<>();
    for (StageState s : stages) {
      stores.put(s.stage(), new CheckpointStore(CheckpointFolders.stage(dir, s.stage()), 1));
    }
    Map<String, Boolean> verified = new HashMap<>();
    long bound = Long.MAX_VALUE;
    long chosen;
    while (true) { // agree on the newest step every rank has every one of its stages of
      long mine = newestComplete(stores, bound, verified);
      long[] lo = {mine};
      long[] hi = {mine};
      world.allReduce(lo, ReduceOp.MIN);
      world.allReduce(hi, ReduceOp.MAX);
      if (lo[0] == hi[0]) {
        chosen = lo[0];
        break;
      }
      bound = lo[0];
    }
    if (chosen < 0) {
      throw new IllegalStateException(
          "no step in " + dir + " has a usable checkpoint of every stage to resume from");
    }
    TrainingState first = null;
    RuntimeException failed = null;
    try {
      for (StageState s : stages) {
        TrainingState t = load(stores.get(s.stage()), s, chosen);
        first = first == null ? t : first;
      }
    } catch (RuntimeException e) {
      failed = e;
    }
    int[] anyFailed = {failed == null ? 0 : 1};
    world.allReduce(anyFailed, ReduceOp.MAX); // every rank resumes, or none
    if (failed != null) {
      throw failed;
    }
    if (anyFailed[0] > 0) {
      throw new IllegalStateException(
          "another rank could not resume from step " + chosen + " (its log says why)");
    }
    return first;
  }

  /** Loads, checks and restores stage {@code s} of step {@code step}. */
  private TrainingState load(CheckpointStore store, StageState s, long step) {
    Path at = store.path(step);
    TrainingState t;
    try {
      t = store.load(at, s.largestArray());
    } catch (IOException e) {
      throw new IllegalStateException(
          "rank "
              + world.rank()
              + " cannot load stage "
              + s.stage()
              + "'s checkpoint of step "
              + step
              + ": "
              + e.getMessage(),
          e);
    }
    checkMeta(t, s, at);
    s.restore(t.arrays(), at.toString());
    return t;
  }

  /** The newest step at most {@code bound} that each of this rank's stages has; -1 if none. */
  private long newestComplete(
      Map<Integer, CheckpointStore> stores, long bound, Map<String, Boolean> verified) {
    List<Long> candidates = new ArrayList<>(stores.values().iterator().next().steps());
    candidates.sort(null);
    for (int i = candidates.size() - 1; i >= 0; i--) {
      long step = candidates.get(i);
      if (step > bound) {
        continue;
      }
      boolean all = true;
      for (StageState s : stages) {
        all &= verifies(stores.get(s.stage()), s, step, verified);
      }
      if (all) {
        return step;
      }
    }
    return -1;
  }

  private boolean verifies(
      CheckpointStore store, StageState s, long step, Map<String, Boolean> verified) {
    Path p = store.path(step);
    return verified.computeIfAbsent(
        p.toString(),
        k -> {
          if (!Files.isDirectory(p)) {
            return false;
          }
          try {
            store.load(p, s.largestArray());
            return true;
          } catch (IOException e) {
            log.println("warning: checkpoint " + p + " is unusable (" + e.getMessage() + ")");
            return false;
          }
        });
  }

  private void checkMeta(TrainingState t, StageState s, Path where) {
    Map<String, Object> expected = meta.apply(s);
    for (var e : expected.entrySet()) {
      Object saved = t.meta().get(e.getKey());
      if (!String.valueOf(saved).equals(String.valueOf(e.getValue()))) {
        throw new IllegalStateException(
            "the checkpoint "
                + where
                + " has "
                + e.getKey()
                + " "
                + saved
                + ", this run has "
                + e.getValue()
                + (e.getKey().equals("partition") && saved != null
                    ? ": resume with --partition " + saved
                    : ""));
      }
    }
  }
}
