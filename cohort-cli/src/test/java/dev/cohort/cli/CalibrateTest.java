package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Calibration measures real costs, and the planner then reads them. */
@Timeout(300)
class CalibrateTest {

  @Test
  void calibrationShouldMeasurePlausibleCostsThatThePlannerUses(@TempDir Path dir)
      throws Exception {
    assertThat(new CommandLine(new Main()).execute("lab", "calibrate", "--out", dir.toString()))
        .isZero();
    JsonNode c = new ObjectMapper().readTree(dir.resolve("calibration.json").toFile());
    double mlp = c.path("compute_seconds_per_sample").path("mlp").asDouble();
    double cnn = c.path("compute_seconds_per_sample").path("cnn").asDouble();
    assertThat(mlp).isBetween(1e-7, 1e-2);
    assertThat(cnn).isGreaterThan(mlp); // the CNN does far more arithmetic per sample
    assertThat(c.path("reduce_GBps").asDouble()).isBetween(0.1, 200.0);
    assertThat(c.path("tcp_loopback_alpha_seconds").asDouble()).isBetween(1e-7, 0.1);
    assertThat(c.path("tcp_loopback_beta_seconds_per_byte").asDouble()).isBetween(1e-12, 1e-6);
    LauncherTest.Result plan =
        LauncherTest.cohort(
            "plan", "--model", "cnn", "--calibration", dir.resolve("calibration.json").toString());
    assertThat(plan.out()).contains("costs from " + dir.resolve("calibration.json"));
  }
}
