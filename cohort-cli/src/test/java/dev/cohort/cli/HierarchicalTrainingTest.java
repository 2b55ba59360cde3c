package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cohort.comm.EnvKeys;
import dev.cohort.lab.net.EmulatedNetwork;
import dev.cohort.lab.net.NetworkCondition;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.metrics.RunSummary;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training on 2 hosts of 2 workers each (network namespaces; needs root, as in CI): the
 * hierarchical all-reduce is chosen by itself, and rank 0, a host's leader, sends only the leaders'
 * all-reduce over TCP, 2(H-1)/H x 4Ψ per step (its host's steps are zero-copy shared memory), where
 * the flat all-reduce sends 2(N-1)/N x 4Ψ; both train to the same loss and accuracy.
 */
@Timeout(600)
class HierarchicalTrainingTest {
  /** The MLP's parameters. */
  private static final long PSI = 235_146;

  private static RunSummary train(Path dir, boolean hierarchical) throws Exception {
    TrainConfig cfg =
        TrainConfig.builder()
            .model("mlp")
            .optimizer("sgd")
            .momentum(0.9f)
            .learningRate(0.05f)
            .batch(16)
            .seed(5)
            .epochs(1)
            .trainLimit(64 * 25) // 25 steps of 4 workers
            .testLimit(200)
            .progress(false)
            .runDir(dir)
            .build();
    try (EmulatedNetwork net =
        EmulatedNetwork.open(NetworkCondition.parse("lat=0"), 4, 2, true, 1, w -> {})) {
      assumeTrue(net.separateHosts(), "hosts need network namespaces: root with ip and tc");
      net.withEnvironment(Map.of(EnvKeys.COHORT_HIERARCHICAL, Boolean.toString(hierarchical)))
          .timedTraining(cfg, 4, hierarchical ? "hierarchical run" : "flat run");
    }
    return RunSummary.read(dir.resolve(RunSummary.FILE));
  }

  @Test
  void twoHostsOfTwoShouldAllReduceHierarchicallyByThemselves(@TempDir Path dir) throws Exception {
    RunSummary hierarchical = train(dir.resolve("hierarchical"), true);
    RunSummary flat = train(dir.resolve("flat"), false);
    double leaders = 2 * (2 - 1) / 2.0 * 4 * PSI;
    double everyone = 2 * (4 - 1) / 4.0 * 4 * PSI;
    assertThat((double) hierarchical.traffic().sentBytesPerStep())
        .as("rank 0 sends the leaders' all-reduce only")
        .isCloseTo(leaders, withinPercentage(1));
    assertThat((double) flat.traffic().sentBytesPerStep())
        .as("the flat all-reduce over all 4 workers")
        .isCloseTo(everyone, withinPercentage(1));
    assertThat(hierarchical.finalTrainLoss())
        .isCloseTo(flat.finalTrainLoss(), withinPercentage(0.1));
    assertThat(hierarchical.finalTestAccuracy())
        .isCloseTo(flat.finalTestAccuracy(), withinPercentage(2));
  }
}
