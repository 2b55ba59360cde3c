package dev.cohort.train.ddp;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Every tensor of a model, in model order, each under its path in the block tree: the trainable
 * parameters (those that take gradients) and the buffers (everything else, such as BatchNorm's
 * running mean and variance). Data parallelism has to keep both identical on every rank; gradients
 * only reach the first kind.
 */
final class ModelState {
  /** Whether a tensor is trained by gradients or carried along. */
  enum Kind {
    PARAMETER,
    BUFFER;

    String label() {
      return this == PARAMETER ? "parameter" : "buffer";
    }
  }

  /**
   * One tensor.
   *
   * @param path its key in the block's parameter list, e.g. {@code 02BatchNorm_runningMean}
   * @param index its position among all tensors of the model
   * @param elements its element count, as initialized (ZeRO-3 empties the parameter's array later)
   */
  record Entry(String path, Kind kind, Parameter parameter, int index, long elements) {
    /** A zero-copy view of its float32 values. */
    ByteBuffer view() {
      return ParameterViews.value(parameter);
    }

    /** How error messages name it, e.g. "buffer 02BatchNorm_runningMean (tensor 7 of 16)". */
    String describe(int of) {
      return kind.label() + " " + path + " (tensor " + index + " of " + of + ")";
    }
  }

  private final List<Entry> all;

  private ModelState(List<Entry> all) {
    this.all = List.copyOf(all);
  }

  /** The state of an initialized block. */
  static ModelState of(Block block) {
    List<Entry> entries = new ArrayList<>();
    for (Pair<String, Parameter> p : block.getParameters()) {
      Parameter param = p.getValue();
      Kind kind = param.requiresGradient() ? Kind.PARAMETER : Kind.BUFFER;
      entries.add(
          new Entry(p.getKey(), kind, param, entries.size(), ParameterViews.elements(param)));
    }
    return new ModelState(entries);
  }

  List<Entry> all() {
    return all;
  }

  List<Entry> parameters() {
    return all.stream().filter(e -> e.kind() == Kind.PARAMETER).toList();
  }

  List<Entry> buffers() {
    return all.stream().filter(e -> e.kind() == Kind.BUFFER).toList();
  }

  /** The trainable parameters as DJL parameters, for gradient synchronization. */
  List<Parameter> trainable() {
    return parameters().stream().map(Entry::parameter).toList();
  }

  long parameterElements() {
    return parameters().stream().mapToLong(Entry::elements).sum();
  }

  int size() {
    return all.size();
  }
}
