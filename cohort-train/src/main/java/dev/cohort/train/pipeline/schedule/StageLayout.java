package dev.cohort.train.pipeline.schedule;

import java.util.ArrayList;
import java.util.List;

/**
 * Which rank holds which stage: {@code ranks x virtualStages} stages, placed round-robin, so that
 * rank r holds stages r, r + ranks, r + 2 ranks, ... (one stage per rank without interleaving).
 *
 * @param ranks the pipeline's ranks (p)
 * @param virtualStages stages per rank (v; 1 unless interleaved)
 */
public record StageLayout(int ranks, int virtualStages) {

  public StageLayout {
    if (ranks < 1) {
      throw new IllegalArgumentException("a pipeline needs at least 1 rank, got " + ranks);
    }
    if (virtualStages < 1) {
      throw new IllegalArgumentException(
          "virtual stages per rank must be >= 1, got " + virtualStages);
    }
  }

  /** All stages. */
  public int stages() {
    return ranks * virtualStages;
  }

  /** The rank that holds {@code stage}. */
  public int rankOf(int stage) {
    if (stage < 0 || stage >= stages()) {
      throw new IllegalArgumentException(
          "stage " + stage + " is outside the pipeline's " + stages() + " stages");
    }
    return stage % ranks;
  }

  /** The stages on {@code rank}, first layers first. */
  public List<Integer> stagesOf(int rank) {
    List<Integer> out = new ArrayList<>();
    for (int s = rank; s < stages(); s += ranks) {
      out.add(s);
    }
    return out;
  }

  /** The last stage, where the loss is. */
  public int lastStage() {
    return stages() - 1;
  }
}
