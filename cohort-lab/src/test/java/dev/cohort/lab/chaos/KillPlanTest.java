package dev.cohort.lab.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class KillPlanTest {

  @Test
  void everyGapShouldBeFromOneUpToThreeCheckpointIntervals() {
    KillPlan plan = KillPlan.random(20_000, 500, 20, new Random(1));
    assertThat(plan.size()).isEqualTo(500);
    assertThat(plan.gaps()).allMatch(g -> g >= 20 && g < 60);
    // Spread over the whole range, not bunched at one end.
    assertThat(plan.gaps()).anyMatch(g -> g < 25).anyMatch(g -> g >= 55);
  }

  @Test
  void theSameSeedShouldGiveTheSamePlan() {
    assertThat(KillPlan.random(1000, 10, 20, new Random(7)))
        .isEqualTo(KillPlan.random(1000, 10, 20, new Random(7)));
  }

  @Test
  void noKillsShouldNeedNoSteps() {
    assertThat(KillPlan.random(0, 0, 20, new Random(1)).gaps()).isEmpty();
  }

  @Test
  void aRunTooShortForTheKillsShouldSayWhatToChange() {
    // 5 kills an interval of 10 apart, and three intervals more: 80 steps.
    assertThat(KillPlan.random(80, 5, 10, new Random(1)).size()).isEqualTo(5);
    assertThatThrownBy(() -> KillPlan.random(79, 5, 10, new Random(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "the run has 79 steps, too few for 5 kills a checkpoint interval (10 steps) apart: it"
                + " needs at least 80; train longer (--epochs, --train-limit) or checkpoint more"
                + " often (--checkpoint-every)");
  }

  @Test
  void aNegativeCountOrIntervalShouldBeRefused() {
    assertThatThrownBy(() -> KillPlan.random(100, -1, 10, new Random(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> KillPlan.random(100, 1, 0, new Random(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
