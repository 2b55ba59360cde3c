package dev.cohort.lab.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.cohort.lab.model.SyncStepModel.Collective;
import dev.cohort.lab.model.SyncStepModel.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The step-time model of the ways of synchronizing, against the rounds worked out by hand: on a 20
 * ms, 100 Mbit/s link, one worker per host, the flat all-reduce is the link's; on two hosts of two
 * workers the hierarchical one crosses the link with one host's sum, the flat one with every rank's
 * slice at once.
 */
class SyncStepModelTest {
  private static final NetworkModel LINK = NetworkModel.of(0, 0, 0).under(0.020, 12.5e6);
  private static final NetworkModel SHM = NetworkModel.of(30, 1.43 * 8, 0);
  private static final double MB = 1_000_000;

  @Test
  void oneWorkerPerHostShouldAllReduceOverTheLink() {
    SyncStepModel m = new SyncStepModel(2, 1, LINK, SHM);
    // Two ranks, 1 MB: the ring, 2 rounds of 20 ms and 1 MB each way at 12.5 MB/s.
    assertThat(m.seconds(new Collective(Kind.ALL_REDUCE, MB))).isCloseTo(0.120, within(1e-9));
    // A small message: recursive doubling, one round.
    assertThat(m.seconds(new Collective(Kind.ALL_REDUCE, 1000)))
        .isCloseTo(0.020 + 1000 / 12.5e6, within(1e-9));
    // One round each, half the bytes to the other rank.
    assertThat(m.seconds(new Collective(Kind.ALL_GATHER, 2000)))
        .isCloseTo(0.020 + 1000 / 12.5e6, within(1e-9));
    assertThat(m.seconds(new Collective(Kind.HIERARCHICAL_ALL_REDUCE, MB)))
        .isEqualTo(m.seconds(new Collective(Kind.ALL_REDUCE, MB)));
  }

  @Test
  void twoHostsOfTwoShouldCrossTheLinkOnceWithTheHierarchy() {
    SyncStepModel m = new SyncStepModel(2, 2, LINK, SHM);
    double hierarchical = m.seconds(new Collective(Kind.HIERARCHICAL_ALL_REDUCE, 0.9 * MB));
    double flat = m.seconds(new Collective(Kind.ALL_REDUCE, 0.9 * MB));
    // Leaders: 2 rounds of 20 ms and 0.9 MB over the link; within the host, shared memory.
    assertThat(hierarchical).isBetween(0.112, 0.116);
    // Halving-doubling: the rounds at distance 2 cross, both ranks of a host sending half at once.
    assertThat(flat).isBetween(0.184, 0.188);
    assertThat(m.stepSeconds(0.003, 0.001, List.of(new Collective(Kind.ALL_REDUCE, 0.9 * MB)), 4))
        .isCloseTo(0.004 + flat / 4, within(1e-12));
  }
}
