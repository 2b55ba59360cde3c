package dev.cohort.ops.watch;

import dev.cohort.train.metrics.EffectiveConfig;
import java.util.ArrayList;
import java.util.List;

/** How a run spread its work over its workers, in a few words, from its effective configuration. */
public final class Strategy {
  private Strategy() {}

  /**
   * How the run spreads its work, in a few words, e.g. {@code "2 data-parallel replicas: pipeline
   * of 2 stages (1f1b)"}, {@code "2 data-parallel replicas: ZeRO-2"} or {@code "data parallel"}.
   */
  public static String of(EffectiveConfig c) {
    List<String> parts = new ArrayList<>();
    if (c.pipeline() != null && c.pipeline().stages() > 1) {
      parts.add(
          "pipeline of " + c.pipeline().stages() + " stages (" + c.pipeline().schedule() + ")");
    }
    if (c.layers() != null && c.layers().tensor() > 1) {
      parts.add("tensor parallel x" + c.layers().tensor());
    }
    int experts = 1; // workers an expert group spans
    if (c.layers() != null && c.layers().experts() > 0) {
      experts = c.layers().expertGroup(c.workers());
      parts.add(
          c.layers().experts()
              + " experts, top-"
              + c.layers().topK()
              + (experts > 1 ? ", expert parallel x" + experts : ""));
    }
    if (c.zero() > 0) {
      parts.add("ZeRO-" + c.zero());
    }
    if (c.compression() != null) {
      parts.add("gradients as " + c.compression());
    }
    if (c.localSgd() > 0) {
      parts.add("local SGD, H " + c.localSgd());
    }
    int tensor = c.layers() == null ? 1 : c.layers().tensor();
    int stages = c.pipeline() == null ? 1 : c.pipeline().stages();
    int replicas = c.workers() / Math.max(1, tensor * stages * experts);
    if (parts.isEmpty()) {
      return "data parallel";
    }
    String how = String.join(", ", parts);
    return replicas > 1 ? replicas + " data-parallel replicas: " + how : how;
  }
}
