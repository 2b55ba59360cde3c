package dev.cohort.lab.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.train.moe.MoeSettings;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The MoE model's forward and backward time over the dense model's on one worker: measured by
 * {@code cohort bench moe} (moe.json) for the same model and number of experts, else estimated from
 * floating-point operations ({@link MoeStepModel#workRatio}).
 *
 * @param ratio the MoE's time over the dense model's
 * @param source where it comes from
 */
public record MoeWork(double ratio, String source) {
  /**
   * The measured ratio in {@code moeJson} when it was measured on {@code model} with the same
   * experts, top-k and capacity factor as {@code moe}; else null.
   *
   * @throws IOException if the file cannot be read as moe.json
   */
  public static MoeWork measured(Path moeJson, String model, MoeSettings moe) throws IOException {
    JsonNode doc = new ObjectMapper().readTree(moeJson.toFile());
    if (doc == null
        || !model.equals(doc.path("model").asText())
        || doc.path("experts").asInt() != moe.experts()
        || doc.path("top_k").asInt() != moe.topK()
        || doc.path("capacity_factor").asDouble() != moe.capacityFactor()) {
      return null;
    }
    double dense = 0;
    double mixture = 0;
    for (JsonNode row : doc.path("rows")) {
      String name = row.path("case").asText();
      if (name.equals("dense, 1 worker")) {
        dense = row.path("forward_backward_ms").asDouble();
      } else if (name.equals("MoE, 1 worker")) {
        mixture = row.path("forward_backward_ms").asDouble();
      }
    }
    if (dense <= 0 || mixture <= 0) {
      throw new IOException(moeJson + " lacks the one-worker runs' forward and backward times");
    }
    return new MoeWork(mixture / dense, moeJson + " (measured)");
  }
}
