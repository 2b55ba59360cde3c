package dev.cohort.lab.calibrate;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The costs the planner needs, as measured on one machine ({@code calibration.json}).
 *
 * @param computeSecondsPerSample forward and backward per sample on one core, by model name
 * @param optimizerSecondsPerParameter one optimizer update per parameter
 * @param reduceGBps element-wise float32 reduction speed
 * @param tcpAlphaSeconds per-message cost of an all-reduce over TCP loopback
 * @param tcpBetaSecondsPerByte per-byte cost of the same
 */
public record MachineCalibration(
    @JsonProperty("compute_seconds_per_sample") Map<String, Double> computeSecondsPerSample,
    @JsonProperty("optimizer_seconds_per_parameter") double optimizerSecondsPerParameter,
    @JsonProperty("reduce_GBps") double reduceGBps,
    @JsonProperty("tcp_loopback_alpha_seconds") double tcpAlphaSeconds,
    @JsonProperty("tcp_loopback_beta_seconds_per_byte") double tcpBetaSecondsPerByte) {

  /** Compute per sample of a model the calibration did not measure (a CNN on one EPYC core). */
  public static final double DEFAULT_COMPUTE_SECONDS_PER_SAMPLE = 0.45e-3;

  /** Measured once on a 2-core EPYC VM; used when no calibration file is given. */
  public static final MachineCalibration DEFAULTS =
      new MachineCalibration(Map.of(), 3.5e-9, 6, 90e-6, 0.9e-9);

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public MachineCalibration {
    computeSecondsPerSample = Map.copyOf(computeSecondsPerSample);
  }

  /** Compute seconds per sample of {@code model}, or the default when it was not measured. */
  public double computeSecondsPerSample(String model) {
    return computeSecondsPerSample.getOrDefault(model, DEFAULT_COMPUTE_SECONDS_PER_SAMPLE);
  }

  /**
   * Reads a calibration file.
   *
   * @throws IOException naming the file when it is missing or not a calibration
   */
  public static MachineCalibration read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException(
          "no calibration file " + file + " (make one with: bin/cohort lab calibrate)");
    }
    try {
      return JSON.readValue(file.toFile(), MachineCalibration.class);
    } catch (IOException e) {
      throw new IOException("cannot read calibration " + file + ": " + e.getMessage(), e);
    }
  }

  /** Writes it as indented JSON, creating the folder. */
  public void write(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    JSON.writeValue(file.toFile(), this);
  }
}
