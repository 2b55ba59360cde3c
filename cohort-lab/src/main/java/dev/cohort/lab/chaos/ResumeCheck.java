package dev.cohort.lab.chaos;

import dev.cohort.train.metrics.RunSummary;
import java.util.ArrayList;
import java.util.List;

/**
 * Nothing lost beyond the last checkpoint: a run killed K times has K + 1 segments in its
 * summary.json, a fresh start and one per kill, and each kill's segment starts exactly at the
 * newest complete checkpoint there was once the killed world was down (not from an older one, which
 * would lose work that had been saved, nor from a newer one, which would not exist).
 */
final class ResumeCheck {
  private ResumeCheck() {}

  /**
   * Checks the run's segments against its kills.
   *
   * @param target names the run in the message
   * @param kills in order
   * @param segments the run's, from its summary.json (null when it has none)
   * @return the kills with the step each resumed from
   * @throws ChaosFailure naming the first kill whose run did not resume from its newest checkpoint
   */
  static List<Kill> verify(String target, List<Kill> kills, List<RunSummary.Segment> segments)
      throws ChaosFailure {
    if (segments == null || segments.size() != kills.size() + 1) {
      throw new ChaosFailure(
          target
              + " run: summary.json should list "
              + (kills.size() + 1)
              + " segments (a fresh start and a resume per kill), it lists "
              + (segments == null ? "none" : segments.size()));
    }
    if (segments.get(0).startStep() != 0) {
      throw new ChaosFailure(
          target + " run: its first segment started at step " + segments.get(0).startStep());
    }
    List<Kill> checked = new ArrayList<>();
    for (int i = 0; i < kills.size(); i++) {
      Kill k = kills.get(i);
      long start = segments.get(i + 1).startStep();
      if (start != k.newestCheckpoint()) {
        throw new ChaosFailure(
            target
                + " kill "
                + k.number()
                + ": the run resumed from step "
                + start
                + ", but the newest complete checkpoint was step "
                + k.newestCheckpoint()
                + (start < k.newestCheckpoint()
                    ? " (" + (k.newestCheckpoint() - start) + " checkpointed steps lost)"
                    : " (it resumed from a checkpoint that was not there)"));
      }
      checked.add(k.withResumedFrom(start));
    }
    return checked;
  }
}
