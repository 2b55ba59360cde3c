package dev.cohort.train.ddp;

import ai.djl.nn.Parameter;
import dev.cohort.train.data.TensorViews;
import java.nio.ByteBuffer;

/** Parameters' memory and sizes, through {@link TensorViews}. */
final class ParameterViews {
  private ParameterViews() {}

  static ByteBuffer value(Parameter p) {
    return TensorViews.view(p.getArray(), "parameter " + p.getName());
  }

  static long elements(Parameter p) {
    return p.getArray().size();
  }
}
