package dev.cohort.ops.watch;

import dev.cohort.train.metrics.EffectiveConfig;
import java.util.ArrayList;
import java.util.List;

/** How a run spread its work over its workers, in a few words, from its effective configuration. */
public final class Strategy {
  private Strategy() {}

  /** How the run spreads its work, in a few words. */
  public static String of(EffectiveConfig c) {
    List<String> parts = new ArrayList<>();
    if (c.pipeline() != null && c.pipeline().stages() > 1) {
      parts.add(
          "pipeline of " + c.pipeline().stages() + " stages (" + c.pipeline().schedule() + ")");
    }
    if (c.layers() != null && c.layers().tensor() > 1) {
      parts.add("tensor parallel x" + c.layers().tensor());
    }
    if (c.layers() != null && c.layers().experts() > 0) {
      parts.add(c.layers().experts() + " experts, top-" + c.layers().topK());
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
    return parts.isEmpty() ? "data parallel" : "data parallel, " + String.join(", ", parts);
  }
}
