package dev.cohort.lab.sweep;

import dev.cohort.lab.model.StepTimeModel;
import java.util.List;

/**
 * One sweep run: its configuration, how its network was made, what it measured and what the model
 * predicted for it.
 *
 * @param method how the network condition was emulated (see EmulatedNetwork.method)
 * @param measured the repetition with the median step time
 * @param predicted null until the model has been calibrated
 * @param repeatStepMs the median step time of every repetition, in the order they ran
 */
public record RunResult(
    RunSpec spec,
    String method,
    Measured measured,
    StepTimeModel.Prediction predicted,
    List<Double> repeatStepMs) {

  public RunResult withPrediction(StepTimeModel.Prediction p) {
    return new RunResult(spec, method, measured, p, repeatStepMs);
  }

  /** Predicted over measured step time, minus one. */
  public double predictionError() {
    return predicted.step() * 1000 / measured.stepMs() - 1;
  }
}
