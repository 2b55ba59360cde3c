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
  BF16;

  /** The option's spelling: "none", "fp16", "bf16". */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
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
            + ", got "
            + name);
  }
}
