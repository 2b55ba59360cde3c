package dev.cohort.train.pipeline.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Every built-in schedule, over pipelines of 1-6 ranks, 1-16 micro-batches and 1-3 stages per rank:
 * the simulator finds no hang and no missing transfer (it also checks each forward before its
 * backward and each stage stepping once, after its backwards), and with equal stage times the
 * bubble is exactly the textbook one.
 */
class SchedulePropertiesTest {

  @Property
  void gpipeAndOneForwardOneBackwardShouldRunWithTheTextbookBubble(
      @ForAll @IntRange(min = 1, max = 6) int p, @ForAll @IntRange(min = 1, max = 16) int m) {
    for (Schedule s :
        new Schedule[] {Schedules.gpipe(p, m), Schedules.oneForwardOneBackward(p, m)}) {
      ScheduleSimulator.Result r = ScheduleSimulator.check(s);
      assertThat(r.bubble()).as(s.name()).isCloseTo((p - 1.0) / (m + p - 1.0), within(1e-9));
    }
  }

  @Property
  void gpipeShouldHoldEveryMicroBatchAndOneForwardOneBackwardAtMostTheRanksAhead(
      @ForAll @IntRange(min = 1, max = 6) int p, @ForAll @IntRange(min = 1, max = 16) int m) {
    ScheduleSimulator.Result gpipe = ScheduleSimulator.check(Schedules.gpipe(p, m));
    ScheduleSimulator.Result ofob = ScheduleSimulator.check(Schedules.oneForwardOneBackward(p, m));
    for (int r = 0; r < p; r++) {
      assertThat(gpipe.peakInFlight()[r]).isEqualTo(m);
      assertThat(ofob.peakInFlight()[r]).isEqualTo(Math.min(m, p - r));
    }
  }

  @Property
  void interleavedShouldRunWithTheInterleavedBubble(
      @ForAll @IntRange(min = 1, max = 5) int p,
      @ForAll @IntRange(min = 1, max = 4) int rounds,
      @ForAll @IntRange(min = 1, max = 3) int v) {
    int m = rounds * p;
    Schedule s = Schedules.interleaved(p, v, m);
    // Each of the v stages of a rank does 1/v of its work.
    ScheduleSimulator.Result r =
        ScheduleSimulator.run(s, ScheduleSimulator.Costs.uniform(p * v, 1.0 / v, 1.0 / v, 0));
    assertThat(r.bubble()).isCloseTo((p - 1.0) / (v * m + p - 1.0), within(1e-9));
  }

  @Property
  void transfersShouldNotHangWhateverTheyCost(
      @ForAll @IntRange(min = 2, max = 5) int p,
      @ForAll @IntRange(min = 1, max = 3) int v,
      @ForAll @IntRange(min = 1, max = 3) int rounds,
      @ForAll @IntRange(min = 0, max = 5) int transfer) {
    Assume.that(v == 1 || p > 1);
    int m = rounds * p;
    for (String name : Schedules.NAMES) {
      Schedule s = Schedules.byName(name, p, name.startsWith("interleaved") ? v : 1, m);
      ScheduleSimulator.Result r =
          ScheduleSimulator.run(
              s, ScheduleSimulator.Costs.uniform(s.layout().stages(), 1, 2, transfer));
      // No rank can be busier than the step, and every rank does all its stages' work.
      for (double busy : r.busy()) {
        assertThat(busy).isEqualTo(3.0 * m * s.layout().virtualStages());
        assertThat(busy).isLessThanOrEqualTo(r.makespan());
      }
    }
  }
}
