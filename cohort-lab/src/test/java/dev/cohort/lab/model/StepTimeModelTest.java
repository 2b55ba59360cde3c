package dev.cohort.lab.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class StepTimeModelTest {
  /** 1 ms fixed + 0.1 ms per sample; no sharing cost, no waiting: only the network differs. */
  private static final StepTimeModel.Calibration QUIET =
      new StepTimeModel.Calibration(
          "m",
          1e6,
          new StepTimeModel.Alone(1e-3, 1e-4, 0.6e-4, 0, 2e-3, 0, 0, 0),
          List.of(
              new StepTimeModel.Sharing(2, 64, 1, 1, 0, 0, 1),
              new StepTimeModel.Sharing(4, 64, 1, 1, 0, 0, 1)),
          500e6,
          1e5,
          2);

  private static final NetworkModel FREE = new NetworkModel(0, 0, 0);
  private static final List<Integer> ONE_BUCKET = List.of(4_000_000);

  @Test
  void oneWorkerHasNoCommunicationAndUsesAllCores() {
    StepTimeModel.Prediction p =
        new StepTimeModel(QUIET, new NetworkModel(1e-3, 1e-9, 0))
            .predict(1, 2, 100, "auto", ONE_BUCKET, 0.05, 1e6);
    assertThat(p.communication()).isZero();
    assertThat(p.compute()).isCloseTo(1e-3 + 100 * 0.6e-4, within(1e-12));
    assertThat(p.step()).isCloseTo(p.compute() + 2e-3, within(1e-12));
  }

  @Test
  void aFreeNetworkGivesLinearSpeedupOfTheBatchWork() {
    StepTimeModel m = new StepTimeModel(QUIET, FREE);
    double one = m.predict(2, 1, 128, "ring", ONE_BUCKET, 0, Double.POSITIVE_INFINITY).compute();
    double two = m.predict(2, 1, 64, "ring", ONE_BUCKET, 0, Double.POSITIVE_INFINITY).compute();
    assertThat(one - 1e-3).isCloseTo(2 * (two - 1e-3), within(1e-12));
  }

  @Test
  void latencyCostsTwoMessagesPerRingStepForEachBucket() {
    StepTimeModel m = new StepTimeModel(QUIET, FREE);
    double base =
        m.predict(4, 1, 32, "ring", ONE_BUCKET, 0, Double.POSITIVE_INFINITY).communication();
    double lat =
        m.predict(4, 1, 32, "ring", ONE_BUCKET, 0.005, Double.POSITIVE_INFINITY).communication();
    assertThat(lat - base).isCloseTo(2 * 3 * 0.005, within(1e-9));
    double threeBuckets =
        m.predict(
                4,
                1,
                32,
                "ring",
                List.of(2_000_000, 1_000_000, 1_000_000),
                0.005,
                Double.POSITIVE_INFINITY)
            .communication();
    assertThat(threeBuckets).isCloseTo(3 * lat, within(1e-9));
    // Recursive doubling needs log2(4) = 2 rounds, halving-doubling 2 log2(4) = 4.
    assertThat(
            m.predict(4, 1, 32, "recursive-doubling", ONE_BUCKET, 0.005, Double.POSITIVE_INFINITY)
                .communication())
        .isCloseTo(2 * 0.005, within(1e-9));
    assertThat(
            m.predict(4, 1, 32, "halving-doubling", ONE_BUCKET, 0.005, Double.POSITIVE_INFINITY)
                .communication())
        .isCloseTo(4 * 0.005, within(1e-9));
  }

  @Test
  void aSlowLinkBoundsTheTransfer() {
    StepTimeModel m = new StepTimeModel(QUIET, new NetworkModel(0, 1e-9, 0));
    // A ring moves 2(n-1)/n of the bytes over each link: 4 MB on 2 workers at 10 MB/s is 0.4 s.
    assertThat(m.predict(2, 1, 32, "ring", ONE_BUCKET, 0, 10e6).communication())
        .isCloseTo(0.4, within(1e-9));
    assertThat(m.predict(2, 1, 32, "ring", ONE_BUCKET, 0, 10e9).communication())
        .isCloseTo(4e-3, within(1e-9)); // the path's own 1 GB/s is the bound now
  }

  @Test
  void sharingTheHostSlowsWorkAndMoreWorkersWaitLonger() {
    StepTimeModel.Calibration shared =
        new StepTimeModel.Calibration(
            "m",
            1e6,
            new StepTimeModel.Alone(1e-3, 1e-4, 0.6e-4, 0, 2e-3, 0, 0, 0),
            List.of(
                new StepTimeModel.Sharing(2, 60, 1.5, 1.2, 0, 0.1, 1),
                new StepTimeModel.Sharing(4, 30, 3.0, 2, 1e-3, 0.2, 1)),
            500e6,
            1e5,
            2);
    StepTimeModel m = new StepTimeModel(shared, FREE);
    StepTimeModel.Prediction two =
        m.predict(2, 1, 60, "ring", ONE_BUCKET, 0, Double.POSITIVE_INFINITY);
    StepTimeModel.Prediction four =
        m.predict(4, 1, 30, "ring", ONE_BUCKET, 0, Double.POSITIVE_INFINITY);
    StepTimeModel.Prediction three =
        m.predict(3, 1, 40, "ring", ONE_BUCKET, 0, Double.POSITIVE_INFINITY);
    StepTimeModel.Prediction eight =
        m.predict(8, 1, 15, "ring", ONE_BUCKET, 0, Double.POSITIVE_INFINITY);
    assertThat(two.compute()).isCloseTo(1.5 * (1e-3 + 60 * 1e-4), within(1e-12));
    assertThat(three.compute()).isCloseTo(2.25 * (1e-3 + 40 * 1e-4), within(1e-12));
    assertThat(four.compute()).isCloseTo(3.0 * (1e-3 + 30 * 1e-4), within(1e-12));
    assertThat(eight.compute()).isCloseTo(6.0 * (1e-3 + 15 * 1e-4), within(1e-12));
    // The fixed per-step overhead does not grow with the batch: 0 at 2, 1 ms at 4, 2 ms at 8.
    assertThat(three.overhead()).isCloseTo(0.5e-3, within(1e-12));
    assertThat(four.overhead()).isCloseTo(1e-3, within(1e-12));
    assertThat(eight.overhead()).isCloseTo(2e-3, within(1e-12));
    assertThat(two.waiting()).isCloseTo(0.1 * (two.compute() + two.optimizer()), within(1e-12));
    assertThat(four.waiting())
        .isCloseTo(0.2 * (four.compute() + four.optimizer() + 1e-3), within(1e-12));
    assertThat(eight.waiting() / (eight.compute() + eight.optimizer() + eight.overhead()))
        .isGreaterThan(0.2);
  }

  @Test
  void sharingMeasuredAtTwoBatchesIsInterpolatedInLogBatch() {
    StepTimeModel.Calibration c =
        new StepTimeModel.Calibration(
            "m",
            1e6,
            new StepTimeModel.Alone(1e-3, 1e-4, 0.6e-4, 0, 2e-3, 0, 0, 0),
            List.of(
                new StepTimeModel.Sharing(2, 16, 1, 1, 1e-3, 0, 1),
                new StepTimeModel.Sharing(2, 256, 1, 1, 5e-3, 0, 1),
                new StepTimeModel.Sharing(4, 64, 1, 1, 8e-3, 0, 1)),
            500e6,
            1e5,
            2);
    StepTimeModel m = new StepTimeModel(c, FREE);
    double inf = Double.POSITIVE_INFINITY;
    assertThat(m.predict(2, 1, 8, "ring", ONE_BUCKET, 0, inf).overhead()).isEqualTo(1e-3);
    assertThat(m.predict(2, 1, 64, "ring", ONE_BUCKET, 0, inf).overhead())
        .isCloseTo(3e-3, within(1e-12)); // log2: 16 -> 64 is half of 16 -> 256
    assertThat(m.predict(2, 1, 1024, "ring", ONE_BUCKET, 0, inf).overhead()).isEqualTo(5e-3);
    assertThat(m.predict(3, 1, 64, "ring", ONE_BUCKET, 0, inf).overhead())
        .isCloseTo(5.5e-3, within(1e-12)); // halfway between 2 and 4 workers
  }

  @Test
  void theCommunicationFactorScalesTheHostsPartNotTheEmulatedNetworks() {
    StepTimeModel.Calibration c =
        new StepTimeModel.Calibration(
            "m",
            1e6,
            new StepTimeModel.Alone(1e-3, 1e-4, 0.6e-4, 0, 2e-3, 1e-10, 0, 0),
            List.of(
                new StepTimeModel.Sharing(2, 64, 1, 1, 0, 0, 0.5),
                new StepTimeModel.Sharing(4, 64, 1, 1, 0, 0, 0.5)),
            500e6,
            1e5,
            2);
    NetworkModel path = new NetworkModel(1e-4, 1e-9, 0);
    StepTimeModel m = new StepTimeModel(c, path);
    // Host: 4e-4 packing + 2 messages of 0.1 ms + 4 MB at 1 GB/s = 4.6 ms, halved; 10 ms latency
    // adds 2 x 10 ms untouched.
    assertThat(m.predict(2, 1, 64, "ring", ONE_BUCKET, 0, Double.POSITIVE_INFINITY).communication())
        .isCloseTo(0.5 * 4.6e-3, within(1e-12));
    assertThat(
            m.predict(2, 1, 64, "ring", ONE_BUCKET, 0.01, Double.POSITIVE_INFINITY).communication())
        .isCloseTo(0.5 * 4.6e-3 + 0.02, within(1e-12));
  }

  @Test
  void memoryGrowsWithTheBatchAndAddsTheBucketsWhenDistributed() {
    StepTimeModel m = new StepTimeModel(QUIET, FREE);
    assertThat(m.predict(1, 2, 100, "auto", ONE_BUCKET, 0, 1).memoryBytes())
        .isEqualTo(500e6 + 100 * 1e5);
    assertThat(m.predict(2, 1, 100, "auto", ONE_BUCKET, 0, 1).memoryBytes())
        .isEqualTo(500e6 + 100 * 1e5 + 4e6);
  }
}
