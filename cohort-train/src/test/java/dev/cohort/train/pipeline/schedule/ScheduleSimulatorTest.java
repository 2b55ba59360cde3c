package dev.cohort.train.pipeline.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Broken schedules are caught before they run, with the first offending action named. */
class ScheduleSimulatorTest {

  private static Schedule edit(Schedule s, int rank, java.util.function.Consumer<List<Action>> f) {
    List<List<Action>> ranks = new ArrayList<>();
    for (int r = 0; r < s.layout().ranks(); r++) {
      List<Action> a = new ArrayList<>(s.of(r));
      if (r == rank) {
        f.accept(a);
      }
      ranks.add(a);
    }
    return s.withRanks(ranks);
  }

  @Test
  void theOneForwardOneBackwardListsShouldReadAsExpected() {
    Schedule s = Schedules.oneForwardOneBackward(2, 3);
    assertThat(s.of(0).toString())
        .isEqualTo(
            "[0F0, 0SEND_F0, 0F1, 0SEND_F1, 0RECV_B0, 0B0, 0F2, 0SEND_F2, 0RECV_B1, 0B1,"
                + " 0RECV_B2, 0B2, 0STEP]");
    assertThat(s.of(1).toString())
        .isEqualTo(
            "[1RECV_F0, 1F0, 1B0, 1SEND_B0, 1RECV_F1, 1F1, 1B1, 1SEND_B1, 1RECV_F2, 1F2, 1B2,"
                + " 1SEND_B2, 1STEP]");
  }

  @Test
  void aReceiveBeforeItsSendCanHappenShouldBeCaughtAsAHang() {
    // Rank 0 waits for micro-batch 0's gradient before sending micro-batch 0's activation.
    Schedule s =
        edit(
            Schedules.gpipe(2, 2),
            0,
            a -> {
              a.remove(Action.parse("0RECV_B0"));
              a.add(1, Action.parse("0RECV_B0"));
            });
    assertThatThrownBy(() -> ScheduleSimulator.check(s))
        .isInstanceOf(ScheduleException.class)
        .hasMessage(
            "pipeline schedule gpipe: rank 0, action 1 (0RECV_B0): the pipeline would hang:"
                + " rank 0 at 0RECV_B0 for 1SEND_B0 (rank 1); rank 1 at 1RECV_F0 for 0SEND_F0"
                + " (rank 0)");
  }

  @Test
  void receivesInAnotherOrderThanTheSendsShouldBeNamed() {
    // Rank 1 expects micro-batch 1's activation first; rank 0 sends micro-batch 0's first, and one
    // channel delivers in order, so rank 1 would get a message for the wrong micro-batch.
    Schedule s =
        edit(
            Schedules.gpipe(2, 2),
            1,
            a -> {
              a.remove(Action.parse("1RECV_F1"));
              a.add(0, Action.parse("1RECV_F1"));
            });
    assertThatThrownBy(() -> ScheduleSimulator.check(s))
        .isInstanceOf(ScheduleException.class)
        .hasMessage(
            "pipeline schedule gpipe: rank 1, action 0 (1RECV_F1): rank 0 sends to this rank in"
                + " another order: its message number 1 is for 1RECV_F0 (a channel delivers in"
                + " the order of sending)");
  }

  @Test
  void aStageSteppingBeforeAnotherStageOfItsRankIsDoneShouldBeNamed() {
    // Rank 0 holds stages 0 and 2; stage 2 would step while stage 0's backwards are still to
    // come, before the rank's gradients are averaged and clipped together.
    Schedule s =
        edit(
            Schedules.interleaved(2, 2, 2),
            0,
            a -> {
              a.remove(Action.parse("2STEP"));
              a.add(a.indexOf(Action.parse("2B1")) + 1, Action.parse("2STEP"));
            });
    assertThatThrownBy(() -> ScheduleSimulator.check(s))
        .isInstanceOf(ScheduleException.class)
        .hasMessageContaining("(2STEP): steps before the backward 0B")
        .hasMessageContaining("of another stage on this rank");
  }

  @Test
  void aSendWithoutItsReceiveShouldBeNamed() {
    Schedule s = edit(Schedules.gpipe(2, 2), 1, a -> a.remove(Action.parse("1RECV_F1")));
    assertThatThrownBy(() -> ScheduleSimulator.check(s))
        .isInstanceOf(ScheduleException.class)
        .hasMessage(
            "pipeline schedule gpipe: rank 0, action 3 (0SEND_F1): its counterpart 1RECV_F1 is"
                + " missing on rank 1")
        .satisfies(
            e -> {
              ScheduleException x = (ScheduleException) e;
              assertThat(x.rank()).isZero();
              assertThat(x.action()).isEqualTo(Action.parse("0SEND_F1"));
            });
  }

  @Test
  void orderAndPlacementMistakesShouldBeNamed() {
    Schedule base = Schedules.oneForwardOneBackward(2, 2);
    assertThatThrownBy(() -> ScheduleSimulator.check(edit(base, 1, a -> a.add(0, a.remove(2)))))
        .hasMessage(
            "pipeline schedule 1f1b: rank 1, action 0 (1B0): its forward 1F0 has not run before"
                + " it");
    assertThatThrownBy(
            () -> ScheduleSimulator.check(edit(base, 1, a -> a.add(0, a.remove(a.size() - 1)))))
        .hasMessage(
            "pipeline schedule 1f1b: rank 1, action 0 (1STEP): steps before the backward 1B0");
    assertThatThrownBy(
            () -> ScheduleSimulator.check(edit(base, 0, a -> a.add(0, Action.parse("1F0")))))
        .hasMessage("pipeline schedule 1f1b: rank 0, action 0 (1F0): stage 1 is on rank 1");
    assertThatThrownBy(
            () -> ScheduleSimulator.check(edit(base, 0, a -> a.add(1, Action.parse("0F0")))))
        .hasMessage("pipeline schedule 1f1b: rank 0, action 1 (0F0): done twice");
    assertThatThrownBy(
            () -> ScheduleSimulator.check(edit(base, 0, a -> a.add(0, Action.parse("0F7")))))
        .hasMessage("pipeline schedule 1f1b: rank 0, action 0 (0F7): the step has 2 micro-batches");
    assertThatThrownBy(
            () -> ScheduleSimulator.check(edit(base, 0, a -> a.remove(Action.parse("0STEP")))))
        .hasMessage("pipeline schedule 1f1b: rank 0 never steps stage 0's optimizer");
  }

  @Test
  void aRemoteStageMissingItsBackwardShouldBeNamed() {
    Schedule s =
        edit(
            Schedules.gpipe(2, 1),
            1,
            a -> {
              a.remove(Action.parse("1B0"));
              a.remove(Action.parse("1SEND_B0"));
              a.remove(Action.parse("1STEP"));
            });
    assertThatThrownBy(() -> ScheduleSimulator.check(s))
        .hasMessage(
            "pipeline schedule gpipe: rank 0, action 2 (0RECV_B0): its counterpart 1SEND_B0 is"
                + " missing on rank 1");
  }

  @Test
  void unknownNamesAndUnfitSizesShouldBeRefusedWithTheWayOut() {
    assertThatThrownBy(() -> Schedules.byName("zero-bubble", 2, 1, 4))
        .hasMessage(
            "unknown pipeline schedule 'zero-bubble'; choose one of [gpipe, 1f1b,"
                + " interleaved-1f1b]");
    assertThatThrownBy(() -> Schedules.byName("1f1b", 2, 2, 4))
        .hasMessage("1f1b runs one stage per rank; virtual stages (2) need interleaved-1f1b");
    assertThatThrownBy(() -> Schedules.interleaved(3, 2, 4))
        .hasMessage(
            "interleaved 1F1B runs micro-batches in rounds of 3 (the ranks); 4 micro-batches is"
                + " not a multiple: use 6 or another schedule");
    assertThatThrownBy(() -> Action.parse("2X0"))
        .hasMessageStartingWith("cannot read the pipeline action '2X0'");
    assertThat(Action.parse("1recv_b3")).isEqualTo(new Action(Action.Type.RECV_GRADIENT, 1, 3));
    assertThat(Action.parse("0STEP").toString()).isEqualTo("0STEP");
  }

  @Test
  void slowTransfersShouldLengthenTheStepByTheirCriticalPath() {
    // 2 ranks, 1 micro-batch: F0, send, F1, B1, send back, B0: two transfers on the critical path.
    Schedule s = Schedules.gpipe(2, 1);
    ScheduleSimulator.Result r =
        ScheduleSimulator.run(s, ScheduleSimulator.Costs.uniform(2, 1, 2, 0.5));
    assertThat(r.makespan()).isEqualTo(1 + 0.5 + 1 + 2 + 0.5 + 2);
    assertThat(r.busy()).containsExactly(3, 3);
  }
}
