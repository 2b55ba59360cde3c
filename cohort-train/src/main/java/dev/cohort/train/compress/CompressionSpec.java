package dev.cohort.train.compress;

/**
 * What {@code --compress} and {@code --compress-start} ask for.
 *
 * @param kind what gradients travel as
 * @param rank PowerSGD's rank r (0 for the other kinds)
 * @param fraction top-k's share of each bucket's values sent (0 for the other kinds)
 * @param plainSteps steps averaged with the plain all-reduce before PowerSGD or top-k start (0 for
 *     the other kinds): the first gradients are large and change fast, and error feedback needs a
 *     settled direction to pay off
 */
public record CompressionSpec(Compression kind, int rank, double fraction, int plainSteps) {
  /** Float32, the plain all-reduce. */
  public static final CompressionSpec NONE = new CompressionSpec(Compression.NONE, 0, 0, 0);

  /** PowerSGD's default rank: the PowerSGD paper's and PyTorch users' usual 4 (1 to 4 work). */
  public static final int DEFAULT_RANK = 4;

  /** Top-k's default share of values: 1%. */
  public static final double DEFAULT_FRACTION = 0.01;

  /** Plain steps before PowerSGD or top-k start, unless {@code --compress-start} says. */
  public static final int DEFAULT_PLAIN_STEPS = 10;

  public CompressionSpec {
    if (kind == Compression.POWERSGD ? rank < 1 : rank != 0) {
      throw new IllegalArgumentException(
          "--compress powersgd:R needs a rank R >= 1; other kinds have none, got " + rank);
    }
    if (kind == Compression.TOPK ? !(fraction > 0 && fraction <= 1) : fraction != 0) {
      throw new IllegalArgumentException(
          "--compress topk:F needs a fraction 0 < F <= 1; other kinds have none, got " + fraction);
    }
    if (plainSteps < 0 || (plainSteps > 0 && !kind.stateful())) {
      throw new IllegalArgumentException(
          "--compress-start is for powersgd and topk (>= 0 plain steps), got "
              + plainSteps
              + " with "
              + kind.label());
    }
  }

  /** Just the kind, with its defaults. */
  public static CompressionSpec of(Compression kind) {
    return switch (kind) {
      case POWERSGD -> new CompressionSpec(kind, DEFAULT_RANK, 0, DEFAULT_PLAIN_STEPS);
      case TOPK -> new CompressionSpec(kind, 0, DEFAULT_FRACTION, DEFAULT_PLAIN_STEPS);
      default -> new CompressionSpec(kind, 0, 0, 0);
    };
  }

  /**
   * Reads {@code --compress}: "none", "fp16", "bf16", "powersgd", "powersgd:R", "topk", "topk:F";
   * {@code start} is {@code --compress-start} (null: the default).
   *
   * @throws IllegalArgumentException naming the choices and what was wrong
   */
  public static CompressionSpec parse(String text, Integer start) {
    int colon = text.indexOf(':');
    Compression kind = Compression.parse(colon < 0 ? text : text.substring(0, colon));
    CompressionSpec base = of(kind);
    int rank = base.rank();
    double fraction = base.fraction();
    if (colon >= 0) {
      String arg = text.substring(colon + 1);
      try {
        switch (kind) {
          case POWERSGD -> rank = Integer.parseInt(arg);
          case TOPK -> fraction = Double.parseDouble(arg);
          default ->
              throw new IllegalArgumentException(
                  "--compress " + kind.label() + " takes no ':' argument, got " + text);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "--compress "
                + text
                + ": '"
                + arg
                + "' is not a "
                + (kind == Compression.POWERSGD ? "rank (an integer)" : "fraction such as 0.01"),
            e);
      }
    }
    if (start != null && !kind.stateful()) {
      throw new IllegalArgumentException(
          "--compress-start is for --compress powersgd or topk, not " + kind.label());
    }
    return new CompressionSpec(kind, rank, fraction, start != null ? start : base.plainSteps());
  }

  /** As {@code --compress} spells it: "fp16", "powersgd:4", "topk:0.01". */
  public String label() {
    return switch (kind) {
      case POWERSGD -> kind.label() + ":" + rank;
      case TOPK -> kind.label() + ":" + fraction;
      default -> kind.label();
    };
  }

  /** The label, and the plain steps first: "powersgd:4 after 10 plain steps". */
  public String describe() {
    return kind.stateful() ? label() + " after " + plainSteps + " plain steps" : label();
  }

  /** Whether gradients travel as plain float32. */
  public boolean none() {
    return kind == Compression.NONE;
  }
}
