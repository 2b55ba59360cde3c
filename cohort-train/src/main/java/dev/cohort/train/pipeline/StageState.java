package dev.cohort.train.pipeline;

import ai.djl.nn.Parameter;
import dev.cohort.train.data.TensorViews;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one stage must save to continue exactly: every parameter of its blocks ({@code
 * parameter/<i>}, in model order, trainable or not) and its optimizer's state, as named arrays.
 */
final class StageState {
  private final int stage;
  private final List<Parameter> parameters;
  private final StageOptimizer optimizer;

  StageState(int stage, List<Parameter> parameters, StageOptimizer optimizer) {
    this.stage = stage;
    this.parameters = List.copyOf(parameters);
    this.optimizer = optimizer;
  }

  int stage() {
    return stage;
  }

  /** The number of values the stage's largest array holds: a longer one in a file is corrupt. */
  long largestArray() {
    long n = 0;
    for (Parameter p : parameters) {
      n = Math.max(n, p.getArray().size());
    }
    return n;
  }

  /** The stage's parameters' element count. */
  long parameterCount() {
    long n = 0;
    for (Parameter p : parameters) {
      n += p.getArray().size();
    }
    return n;
  }

  /** Bytes of the stage's parameters, their gradients and its optimizer state, as allocated. */
  long[] bytes() {
    long gradients = 0;
    for (Parameter p : parameters) {
      gradients += p.requiresGradient() ? 4 * p.getArray().size() : 0;
    }
    long state = 0;
    for (float[] a : optimizer.state().values()) {
      state += 4L * a.length;
    }
    return new long[] {4 * parameterCount(), gradients, state};
  }

  /** A copy of the stage's state, independent of training from here on. */
  Map<String, float[]> copy() {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (int i = 0; i < parameters.size(); i++) {
      FloatBuffer w = floats(i);
      float[] a = new float[w.remaining()];
      w.get(a);
      out.put("parameter/" + i, a);
    }
    optimizer.state().forEach((k, v) -> out.put(k, v.clone()));
    return out;
  }

  /**
   * Puts saved arrays back into the stage.
   *
   * @throws IllegalStateException naming the array that is missing or of another size
   */
  void restore(Map<String, float[]> saved, String from) {
    for (int i = 0; i < parameters.size(); i++) {
      float[] a = saved.get("parameter/" + i);
      FloatBuffer w = floats(i);
      if (a == null || a.length != w.remaining()) {
        throw new IllegalStateException(
            "the checkpoint "
                + from
                + " does not fit stage "
                + stage
                + "'s parameter "
                + i
                + " ("
                + parameters.get(i).getName()
                + ", "
                + w.remaining()
                + " values): "
                + (a == null ? "it has none" : "it holds " + a.length));
      }
      w.put(a);
    }
    try {
      optimizer.restore(saved);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          "the checkpoint " + from + " does not fit stage " + stage + ": " + e.getMessage(), e);
    }
  }

  private FloatBuffer floats(int i) {
    Parameter p = parameters.get(i);
    ByteBuffer view = TensorViews.view(p.getArray(), p.getName());
    return view.asFloatBuffer();
  }
}
