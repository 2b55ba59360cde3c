package dev.cohort.train.moe;

/**
 * Where one group's tokens go: each token's top-k experts by router probability, each choice taking
 * the expert's next free slot (first choices of every token before any second choice, tokens in
 * order), a choice finding its expert full dropped. Decided in Java from the probabilities' values:
 * the routing is not differentiated, the gates are.
 *
 * @param tokens n
 * @param experts E
 * @param capacity slots per expert, C
 * @param slot for token i's choice j, {@code slot[i k + j]}: {@code e C + c} for slot c of expert
 *     e, or -1 when dropped
 * @param chosen for token i's choice j, the expert chosen (kept or dropped)
 * @param firstChoices tokens whose first choice is each expert (before dropping): the f of the
 *     load-balancing loss
 * @param load choices each expert took (after dropping)
 * @param routed choices made for each expert (before dropping): the demand on it
 * @param dropped choices dropped for want of capacity
 */
public record Routing(
    int tokens,
    int experts,
    int capacity,
    int[] slot,
    int[] chosen,
    long[] firstChoices,
    long[] load,
    long[] routed,
    long dropped) {

  /**
   * Routes {@code tokens} tokens.
   *
   * @param probabilities the router's probabilities, (tokens, experts) row by row
   */
  public static Routing route(float[] probabilities, int tokens, MoeSettings settings) {
    int e = settings.experts();
    int k = settings.topK();
    int capacity = settings.capacity(tokens);
    if (probabilities.length != (long) tokens * e) {
      throw new IllegalArgumentException(
          probabilities.length
              + " router probabilities for "
              + tokens
              + " tokens x "
              + e
              + " experts");
    }
    int[] chosen = new int[tokens * k];
    long[] first = new long[e];
    for (int i = 0; i < tokens; i++) {
      int best = argmax(probabilities, i * e, e, -1);
      chosen[i * k] = best;
      first[best]++;
      if (k == 2) {
        chosen[i * k + 1] = argmax(probabilities, i * e, e, best);
      }
    }
    int[] slot = new int[tokens * k];
    long[] load = new long[e];
    long[] routed = new long[e];
    long dropped = 0;
    for (int j = 0; j < k; j++) {
      for (int i = 0; i < tokens; i++) {
        int expert = chosen[i * k + j];
        routed[expert]++;
        if (load[expert] < capacity) {
          slot[i * k + j] = expert * capacity + (int) load[expert]++;
        } else {
          slot[i * k + j] = -1;
          dropped++;
        }
      }
    }
    return new Routing(tokens, e, capacity, slot, chosen, first, load, routed, dropped);
  }

  /** The first highest probability in row {@code [from, from + n)}, skipping {@code except}. */
  private static int argmax(float[] p, int from, int n, int except) {
    int best = -1;
    for (int j = 0; j < n; j++) {
      if (j != except && (best < 0 || p[from + j] > p[from + best])) {
        best = j;
      }
    }
    return best;
  }

  /** Choices per token, k. */
  public int topK() {
    return slot.length / tokens;
  }

  /**
   * For each of the E C slots, the token it holds; {@code tokens} (a row of zeros after the last
   * token) for a slot left empty.
   */
  public long[] sources() {
    long[] source = new long[experts * capacity];
    java.util.Arrays.fill(source, tokens);
    int k = topK();
    for (int i = 0; i < tokens * k; i++) {
      if (slot[i] >= 0) {
        source[slot[i]] = i / k;
      }
    }
    return source;
  }

  /**
   * For each token's choice j, at {@code i k + j}: the slot whose expert output it takes; {@code E
   * C} (a row of zeros after the last slot) for a dropped choice.
   */
  public long[] picks() {
    long[] pick = new long[slot.length];
    for (int i = 0; i < slot.length; i++) {
      pick[i] = slot[i] >= 0 ? slot[i] : (long) experts * capacity;
    }
    return pick;
  }

  /** Each token's chosen experts, (tokens, k) row by row, kept or dropped. */
  public long[] chosenExperts() {
    long[] out = new long[chosen.length];
    for (int i = 0; i < chosen.length; i++) {
      out[i] = chosen[i];
    }
    return out;
  }

  /** The fraction of tokens whose first choice is each expert, fᵢ. */
  public float[] firstChoiceFractions() {
    float[] f = new float[experts];
    for (int i = 0; i < experts; i++) {
      f[i] = (float) firstChoices[i] / tokens;
    }
    return f;
  }
}
