package dev.cohort.lab.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.lab.bench.BenchMath;
import dev.cohort.train.model.Models;
import dev.cohort.train.model.gpt.GptConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How fast one worker trains the language model: seconds per training FLOP, and the fixed cost of
 * one micro-batch's forward and backward through a stage ({@link PipelineStepModel#fixedCost}).
 * Learned from {@code cohort bench pipeline}'s one-rank runs with every core (pipeline.json); a
 * model of another size is scaled by its FLOPs.
 *
 * @param secondsPerFlop forward and backward time per training FLOP
 * @param fixedMs forward and backward time of one micro-batch whatever its size
 * @param source where the figures come from
 */
public record GptCompute(double secondsPerFlop, double fixedMs, String source) {

  /**
   * Measured on the 2-core VM by {@code bench pipeline} (gpt, 16 sequences, one rank, 2 threads;
   * docs/benchmarks/pipeline.json of 2026-11-26).
   */
  public static final GptCompute DEFAULTS =
      new GptCompute(1.07e-11, 4.2, "defaults measured on the 2-core VM");

  /**
   * Training FLOPs of one sequence: 6 per parameter per token (forward 2, backward 4) and the
   * attention's scores and weighted sums, 12 per layer, position pair and width.
   */
  public static double flopsPerSequence(GptConfig g) {
    double t = g.context();
    return 6.0 * g.parameterCount() * t + 12.0 * g.layers() * t * t * g.width();
  }

  /**
   * One micro-batch of {@code sequences} through the whole model {@code g}, forward and backward.
   */
  public double forwardBackwardMs(GptConfig g, double sequences) {
    return sequences * flopsPerSequence(g) * secondsPerFlop * 1e3 + fixedMs;
  }

  private static final ObjectMapper JSON =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** The parts of pipeline.json read here. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record BenchFile(Options options, List<Result> results) {
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Options(String model, int globalBatch) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Result(@JsonProperty("case") Case benchCase, List<Run> runs) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Case(int ranks, int microBatches, int threads) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Run(Phases phases) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Phases(@JsonProperty("forward_backward") double forwardBackward) {}
  }

  /**
   * Learns from a pipeline.json: the one-rank runs with every core at two or more numbers of
   * micro-batches.
   *
   * @throws IOException if the file cannot be read or lacks those runs
   */
  public static GptCompute fromBench(Path pipelineJson) throws IOException {
    BenchFile f;
    try {
      f = JSON.readValue(pipelineJson.toFile(), BenchFile.class);
    } catch (IOException e) {
      throw new IOException("cannot read " + pipelineJson + ": " + e.getMessage(), e);
    }
    try {
      return learn(f, pipelineJson);
    } catch (NullPointerException | IllegalArgumentException e) {
      throw new IOException(
          "cannot use " + pipelineJson + ": it is not what cohort bench pipeline writes", e);
    }
  }

  private static GptCompute learn(BenchFile f, Path pipelineJson) throws IOException {
    Map<Integer, List<Double>> byM = new TreeMap<>();
    for (BenchFile.Result r : f.results() == null ? List.<BenchFile.Result>of() : f.results()) {
      if (r.benchCase().ranks() == 1 && r.benchCase().threads() == 0) {
        for (BenchFile.Run run : r.runs()) {
          byM.computeIfAbsent(r.benchCase().microBatches(), k -> new ArrayList<>())
              .add(run.phases().forwardBackward());
        }
      }
    }
    if (byM.size() < 2 || f.options() == null || !Models.isLanguageModel(f.options().model())) {
      throw new IOException(
          pipelineJson
              + " has no one-rank runs of the language model at two or more numbers of"
              + " micro-batches: run cohort bench pipeline");
    }
    double[] m = new double[byM.size()];
    double[] fb = new double[byM.size()];
    int i = 0;
    for (var e : byM.entrySet()) {
      m[i] = e.getKey();
      fb[i++] = BenchMath.median(e.getValue());
    }
    double fixed = PipelineStepModel.fixedCost(m, fb);
    double flops =
        f.options().globalBatch() * flopsPerSequence(Models.gptConfig(f.options().model()));
    List<Double> perFlop = new ArrayList<>();
    for (int k = 0; k < m.length; k++) {
      perFlop.add(Math.max(1e-3, fb[k] - m[k] * fixed) / 1e3 / flops);
    }
    return new GptCompute(BenchMath.median(perFlop), fixed, pipelineJson.toString());
  }
}
