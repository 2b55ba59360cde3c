package dev.cohort.train.compress;

import java.util.Arrays;
import java.util.Locale;

/** What gradients travel as in the all-reduce of data parallelism ({@code --compress}). */
public enum Compression {
  /** 32-bit floats: the plain all-reduce, untouched. */
  NONE,
  /** IEEE half precision: 11 significant bits, values up to 65,504. */
  FP16,
  /** bfloat16: 8 significant bits, float32's range. */
  BF16,
  /**
   * PowerSGD: each gradient matrix as two rank-r factors, with error feedback ({@link PowerSgd}).
   */
  POWERSGD,
  /** The largest fraction of each bucket's values with their indices, with error feedback. */
  TOPK;

  /** The option's spelling: "none", "fp16", "bf16", "powersgd", "topk". */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether it keeps state between steps (residuals, warm starts) and starts with plain steps. */
  public boolean stateful() {
    return this == POWERSGD || this == TOPK;
  }

  /**
   * @throws IllegalArgumentException naming the choices
   */
  public static Compression parse(String name) {
    for (Compression c : values()) {
      if (c.label().equals(name.toLowerCase(Locale.ROOT))) {
        return c;
      }
    }
    throw new IllegalArgumentException(
        "--compress must be one of "
            + Arrays.stream(values()).map(Compression::label).toList()
            + " (powersgd:R for rank R, topk:F for a fraction F), got "
            + name);
  }
}
