package dev.cohort.train.model.gpt;

import java.util.List;
import java.util.Locale;

/**
 * The transformer's sizes.
 *
 * @param vocabulary tokens (96 for {@code CharVocabulary})
 * @param context the longest sequence, in tokens
 * @param layers transformer blocks
 * @param heads attention heads per block; must divide {@code width}
 * @param width the embedding width
 * @param dropout dropout probability after embeddings, attention and MLPs
 */
public record GptConfig(
    int vocabulary, int context, int layers, int heads, int width, float dropout) {
  /** Names accepted by {@link #preset}. */
  public static final List<String> PRESETS = List.of("tiny", "small");

  public GptConfig {
    positive("vocabulary", vocabulary);
    positive("context", context);
    positive("layers", layers);
    positive("heads", heads);
    positive("width", width);
    if (width % heads != 0) {
      throw new IllegalArgumentException(
          "the width (" + width + ") must be a multiple of the heads (" + heads + ")");
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
    }
  }

  private static void positive(String what, int v) {
    if (v < 1) {
      throw new IllegalArgumentException(what + " must be >= 1, got " + v);
    }
  }

  /**
   * {@code tiny}: 2 blocks of width 32, 2 heads, 32 tokens of context (about 32k parameters, for
   * tests); {@code small}: 4 blocks of width 128, 4 heads, 128 tokens (about 0.8M parameters, for
   * benchmarks).
   *
   * @throws IllegalArgumentException for an unknown name
   */
  public static GptConfig preset(String name, int vocabulary) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "tiny" -> new GptConfig(vocabulary, 32, 2, 2, 32, 0.1f);
      case "small" -> new GptConfig(vocabulary, 128, 4, 4, 128, 0.1f);
      default ->
          throw new IllegalArgumentException(
              "unknown GPT size '" + name + "'; choose one of " + PRESETS);
    };
  }

  /** The same sizes without dropout (for equivalence checks and evaluation). */
  public GptConfig withoutDropout() {
    return new GptConfig(vocabulary, context, layers, heads, width, 0);
  }

  /** Trainable parameters of {@link Gpt#build}. */
  public long parameterCount() {
    long sum = 0;
    for (long p : blockParameters()) {
      sum += p;
    }
    return sum;
  }

  /**
   * Trainable parameters of each of {@link Gpt#build}'s blocks, in order: embeddings, the
   * transformer blocks, the final LayerNorm, the LM head (to balance pipeline stages).
   */
  public long[] blockParameters() {
    long c = width;
    long attention = (c * 3 * c + 3 * c) + (c * c + c);
    long mlp = (c * 4 * c + 4 * c) + (4 * c * c + c);
    long[] out = new long[layers + 3];
    out[0] = (long) vocabulary * c + (long) context * c;
    for (int i = 1; i <= layers; i++) {
      out[i] = attention + mlp + 4 * c; // and two LayerNorms
    }
    out[layers + 1] = 2 * c;
    out[layers + 2] = c * vocabulary + vocabulary;
    return out;
  }
}
