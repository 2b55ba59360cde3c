package dev.cohort.train.data.text;

/**
 * The language model's tokens: newline and the 95 printable ASCII characters, fixed, so that a
 * checkpoint's embedding means the same whatever text it is resumed on. A tab reads as a space;
 * other characters (control codes, overstrikes, non-ASCII letters) are dropped.
 */
public final class CharVocabulary {
  /** Newline, then space to tilde. */
  public static final int SIZE = 96;

  private CharVocabulary() {}

  /** The token of {@code c}, or -1 if the vocabulary drops it. */
  public static int token(char c) {
    if (c == '\n') {
      return 0;
    }
    if (c == '\t') {
      c = ' ';
    }
    return c >= ' ' && c <= '~' ? c - ' ' + 1 : -1;
  }

  /** The character of {@code token}. */
  public static char character(int token) {
    if (token < 0 || token >= SIZE) {
      throw new IllegalArgumentException("token " + token + " is outside 0.." + (SIZE - 1));
    }
    return token == 0 ? '\n' : (char) (' ' + token - 1);
  }

  /** The tokens of {@code text}, dropped characters left out. */
  public static int[] encode(CharSequence text) {
    int[] out = new int[text.length()];
    int n = 0;
    for (int i = 0; i < text.length(); i++) {
      int t = token(text.charAt(i));
      if (t >= 0) {
        out[n++] = t;
      }
    }
    return java.util.Arrays.copyOf(out, n);
  }

  /** The text of {@code tokens}. */
  public static String decode(int[] tokens) {
    StringBuilder sb = new StringBuilder(tokens.length);
    for (int t : tokens) {
      sb.append(character(t));
    }
    return sb.toString();
  }
}
