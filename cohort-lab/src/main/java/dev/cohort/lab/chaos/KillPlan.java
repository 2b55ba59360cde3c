package dev.cohort.lab.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * When a chaos run kills: each kill comes once the world has trained a random number of steps, from
 * one up to three checkpoint intervals, since it started or last resumed. Each kill thus lands
 * anywhere between two checkpoints, and the world moves on by about an interval or two between
 * kills (more when the launcher is killed: its workers train on until they notice).
 *
 * @param gaps steps to train after each start or resume before the next kill
 */
record KillPlan(List<Long> gaps) {
  KillPlan {
    gaps = List.copyOf(gaps);
  }

  /**
   * {@code kills} gaps for a run of {@code totalSteps} steps that checkpoints every {@code
   * checkpointEvery} steps.
   *
   * @throws IllegalArgumentException when the run is too short for so many kills (it needs at least
   *     one interval per kill and three more), saying what to change
   */
  static KillPlan random(long totalSteps, int kills, int checkpointEvery, Random random) {
    if (kills < 0 || checkpointEvery < 1) {
      throw new IllegalArgumentException(
          "need kills >= 0 and a checkpoint interval >= 1, got "
              + kills
              + " and "
              + checkpointEvery);
    }
    long needed = (long) (kills + 3) * checkpointEvery;
    if (kills > 0 && totalSteps < needed) {
      throw new IllegalArgumentException(
          "the run has "
              + totalSteps
              + " steps, too few for "
              + kills
              + " kills a checkpoint interval ("
              + checkpointEvery
              + " steps) apart: it needs at least "
              + needed
              + "; train longer (--epochs, --train-limit) or checkpoint more often"
              + " (--checkpoint-every)");
    }
    List<Long> gaps = new ArrayList<>();
    for (int i = 0; i < kills; i++) {
      gaps.add(checkpointEvery + (long) random.nextInt(2 * checkpointEvery));
    }
    return new KillPlan(gaps);
  }

  int size() {
    return gaps.size();
  }

  /** Steps to train after the (re)start before kill {@code i} (from 0). */
  long gap(int i) {
    return gaps.get(i);
  }
}
