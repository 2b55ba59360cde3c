package dev.cohort.train.data.text;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * A text cut into consecutive windows of {@code context} tokens: window k's input is tokens {@code
 * [k c, k c + c)} and its target the same shifted by one, so each position learns the next
 * character.
 */
public final class TokenWindows {
  private final int[] tokens;
  private final int context;

  /**
   * @throws IllegalArgumentException if {@code context < 1} or the text is shorter than one window
   */
  public TokenWindows(int[] tokens, int context) {
    if (context < 1) {
      throw new IllegalArgumentException("the context must be >= 1 token, got " + context);
    }
    if (tokens.length < context + 1) {
      throw new IllegalArgumentException(
          "a text of "
              + tokens.length
              + " tokens holds no window of "
              + context
              + " (and the one after)");
    }
    this.tokens = tokens;
    this.context = context;
  }

  /** The first {@code n} windows (all if there are fewer). */
  public TokenWindows head(int n) {
    int windows = Math.min(n, size());
    return new TokenWindows(java.util.Arrays.copyOf(tokens, windows * context + 1), context);
  }

  /** How many windows. */
  public int size() {
    return (tokens.length - 1) / context;
  }

  public int context() {
    return context;
  }

  /** Window {@code k}'s input tokens, written into {@code out} at {@code offset}. */
  public void input(int k, int[] out, int offset) {
    System.arraycopy(tokens, start(k), out, offset, context);
  }

  /**
   * Window {@code k}'s targets (the next token of each input), into {@code out} at {@code offset}.
   */
  public void target(int k, int[] out, int offset) {
    System.arraycopy(tokens, start(k) + 1, out, offset, context);
  }

  /**
   * Windows {@code [first, first + n)} as two float32 arrays of shape {@code (n, context)} made in
   * {@code manager}: the input tokens, then their targets.
   */
  public NDList batch(NDManager manager, int first, int n) {
    int[] windows = new int[n];
    for (int i = 0; i < n; i++) {
      windows[i] = first + i;
    }
    return batch(manager, windows);
  }

  /** The given windows, in order, as {@link #batch(NDManager, int, int)} makes them. */
  public NDList batch(NDManager manager, int[] windows) {
    int n = windows.length;
    float[] in = new float[n * context];
    float[] out = new float[n * context];
    for (int i = 0; i < n; i++) {
      int s = start(windows[i]);
      for (int j = 0; j < context; j++) {
        in[i * context + j] = tokens[s + j];
        out[i * context + j] = tokens[s + j + 1];
      }
    }
    Shape shape = new Shape(n, context);
    return new NDList(manager.create(in, shape), manager.create(out, shape));
  }

  private int start(int k) {
    if (k < 0 || k >= size()) {
      throw new IndexOutOfBoundsException("window " + k + " of " + size());
    }
    return k * context;
  }
}
