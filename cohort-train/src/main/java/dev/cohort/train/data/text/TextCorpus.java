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

  /** The next-character windows of the validation text. */
  public TokenWindows validationWindows(int context) {
    return new TokenWindows(validation, context);
  }
}
