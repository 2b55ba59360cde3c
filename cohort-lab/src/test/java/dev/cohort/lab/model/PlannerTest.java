package dev.cohort.lab.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The planner's limiting cases and the collective cost model's shape. */
class PlannerTest {
  private static final List<Integer> COUNTS = List.of(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024);

  private static Planner planner(double params) {
    // 60k samples, 10 epochs, global batch 1024, 1 ms per sample, 2 ns per parameter update.
    return new Planner(params, 60_000, 10, 1024, 1e-3, 2e-9, 500e6, 1e6, 3.0);
  }

  @Test
  void infiniteBandwidthAndNoLatencyShouldScaleAlmostLinearly() {
    // Nothing serial left but a negligible optimizer update: communication is free.
    Planner p = new Planner(1e7, 60_000, 10, 1024, 1e-3, 1e-13, 500e6, 1e6, 3.0);
    List<Planner.Option> o = p.options(NetworkModel.of(0, 0, 0), COUNTS);
    Planner.Option at64 = o.stream().filter(x -> x.workers() == 64).findFirst().orElseThrow();
    assertThat(at64.efficiency()).isGreaterThan(0.95);
    assertThat(Planner.recommend(o, 0.5).workers()).isEqualTo(1024);
  }

  @Test
  void aTinyModelOnAHighLatencyNetworkShouldStayLocal() {
    // 10k parameters, 50 ms latency, 100 Mbit/s: communication swamps the saved compute.
    Planner p = new Planner(1e4, 60_000, 10, 64, 2e-5, 2e-9, 500e6, 1e6, 3.0);
    List<Planner.Option> o = p.options(NetworkModel.of(50_000, 0.1, 5), COUNTS);
    assertThat(Planner.recommend(o, 0.5).workers()).isEqualTo(1);
    assertThat(o.get(1).speedup()).isLessThan(1);
  }

  @Test
  void returnsShouldDiminishOnASlowNetwork() {
    List<Planner.Option> o = planner(2.5e7).options(NetworkModel.of(100, 10, 5), COUNTS);
    int knee = Planner.diminishingReturnsAt(o);
    assertThat(knee).isBetween(4, 256);
    // Costs grow once efficiency falls: more nodes for little time saved.
    assertThat(o.get(o.size() - 1).cost()).isGreaterThan(o.get(0).cost());
  }

  @Test
  void aMemoryBudgetShouldTakeTheLowestZeroStageThatFitsEachWorkerCount() {
    // 100 million parameters: plain data parallelism holds 20Ψ = 2 GB before activations, over
    // the 2 GB budget everywhere; the more workers, the less sharding it takes to fit.
    Planner p = planner(1e8);
    List<Planner.Option> o =
        p.options(NetworkModel.of(50, 10, 5), COUNTS, new Planner.Budget(2e9, 1e7));
    assertThat(o).allSatisfy(x -> assertThat(x.memoryBytes()).isLessThanOrEqualTo(2e9));
    assertThat(o).noneMatch(x -> x.workers() == 1);
    assertThat(o.stream().filter(x -> x.workers() <= 8).map(Planner.Option::zero))
        .containsExactly(3, 2, 1);
    // ZeRO-3 pays for its memory: a third more compute and 1.5 times the traffic.
    Planner.Option two = o.get(0);
    Planner.Option plainTwo = p.options(NetworkModel.of(50, 10, 5), List.of(2)).get(0);
    assertThat(two.stepSeconds()).isGreaterThan(plainTwo.stepSeconds());
    assertThat(two.commSeconds()).isCloseTo(1.5 * plainTwo.commSeconds(), within(1e-9));
  }

  @Test
  void theCostModelShouldPickLatencyOptimalForSmallAndRingForLargeMessages() {
    NetworkModel net = NetworkModel.of(50, 10, 5);
    assertThat(net.best(8, 4096).algorithm()).isEqualTo("recursive-doubling");
    assertThat(net.best(8, 64 << 20).algorithm()).isIn("ring", "halving-doubling");
    assertThat(net.best(5, 64 << 20).algorithm()).isEqualTo("halving-doubling");
    // One worker moves nothing.
    assertThat(net.allReduceSeconds("ring", 1, 1e9)).isZero();
    // Ring: 2(n-1) latencies plus 2(n-1)/n of the bytes per link.
    assertThat(NetworkModel.of(10, 8, 0).allReduceSeconds("ring", 4, 1e9))
        .isCloseTo(6 * 10e-6 + 1.5 * 1e9 / 1e9, within(1e-9));
  }
}
