package dev.cohort.train.data.text;

/**
 * Tokenized text, split for training and validation.
 *
 * @param train the training text's tokens
 * @param validation the validation text's tokens
 * @param entries how many entries (fortunes) the text holds
 * @param description where it came from, for run records
 */
public record TextCorpus(int[] train, int[] validation, int entries, String description) {

  /**
   * The next-character windows of the training text.
   *
   * @throws IllegalArgumentException if the text is shorter than one window
   */
  public TokenWindows trainWindows(int context) {
    return new TokenWindows(train, context);
  }

  /**
   * What identifies this text in a checkpoint: its sizes and a hash of its tokens, so that a run is
   * never resumed on other text.
   */
  public String fingerprint() {
    return String.format(
        java.util.Locale.ROOT,
        "%d+%d tokens, %08x",
        train.length,
        validation.length,
        31 * java.util.Arrays.hashCode(train) + java.util.Arrays.hashCode(validation));
  }

  /** The next-character windows of the validation text. */
  public TokenWindows validationWindows(int context) {
    return new TokenWindows(validation, context);
  }
}
