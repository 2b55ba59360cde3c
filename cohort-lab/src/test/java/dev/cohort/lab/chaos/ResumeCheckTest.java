package dev.cohort.lab.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.train.metrics.RunSummary.Reason;
import dev.cohort.train.metrics.RunSummary.Segment;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResumeCheckTest {
  private static Kill kill(int number, long reached, long newest) {
    return new Kill(number, 100 + number, reached, newest, false, -1, 0.2, 0.3, 3.0);
  }

  private static Segment segment(long start, long end, Reason reason) {
    return new Segment(start, end, reason, 1.0);
  }

  @Test
  void resumesFromTheNewestCheckpointsShouldPassAndBeRecorded() throws Exception {
    List<Kill> kills = List.of(kill(1, 57, 40), kill(2, 83, 80));
    List<Kill> checked =
        ResumeCheck.verify(
            "workers",
            kills,
            List.of(
                segment(0, 57, Reason.FRESH),
                segment(40, 83, Reason.RESUME),
                segment(80, 200, Reason.RESUME)));
    assertThat(checked).extracting(Kill::resumedFrom).containsExactly(40L, 80L);
    assertThat(checked).extracting(Kill::stepsLost).containsExactly(17L, 3L);
  }

  @Test
  void aResumeFromAnOlderCheckpointShouldFailNamingTheKillAndTheStepsLost() {
    List<Kill> kills = List.of(kill(1, 57, 40), kill(2, 83, 80));
    assertThatThrownBy(
            () ->
                ResumeCheck.verify(
                    "launcher",
                    kills,
                    List.of(
                        segment(0, 57, Reason.FRESH),
                        segment(40, 83, Reason.RESUME),
                        segment(60, 200, Reason.RESUME))))
        .isInstanceOf(ChaosFailure.class)
        .hasMessage(
            "launcher kill 2: the run resumed from step 60, but the newest complete checkpoint"
                + " was step 80 (20 checkpointed steps lost)");
  }

  @Test
  void aResumeFromACheckpointThatWasNotThereShouldFail() {
    assertThatThrownBy(
            () ->
                ResumeCheck.verify(
                    "workers",
                    List.of(kill(1, 57, 40)),
                    List.of(segment(0, 57, Reason.FRESH), segment(50, 90, Reason.RESUME))))
        .isInstanceOf(ChaosFailure.class)
        .hasMessageEndingWith("(it resumed from a checkpoint that was not there)");
  }

  @Test
  void aMissingSegmentShouldFail() {
    assertThatThrownBy(
            () ->
                ResumeCheck.verify(
                    "workers", List.of(kill(1, 57, 40)), List.of(segment(0, 90, Reason.FRESH))))
        .isInstanceOf(ChaosFailure.class)
        .hasMessage(
            "workers run: summary.json should list 2 segments (a fresh start and a resume per"
                + " kill), it lists 1");
    assertThatThrownBy(() -> ResumeCheck.verify("workers", List.of(), null))
        .hasMessageEndingWith("it lists none");
  }

  @Test
  void aRunThatStartedOverShouldFail() {
    assertThatThrownBy(
            () ->
                ResumeCheck.verify(
                    "workers",
                    List.of(kill(1, 57, 40)),
                    List.of(segment(0, 57, Reason.FRESH), segment(0, 90, Reason.FRESH))))
        .isInstanceOf(ChaosFailure.class)
        .hasMessageContaining(
            "resumed from step 0, but the newest complete checkpoint was step 40");
  }
}
