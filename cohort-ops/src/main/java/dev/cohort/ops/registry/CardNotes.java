package dev.cohort.ops.registry;

import java.util.List;
import java.util.Objects;

/**
 * What people add to a model card that the registry cannot know.
 *
 * @param intendedUse what the model is for and what it is not for
 * @param caveats known limitations, listed before the automatic ones
 */
public record CardNotes(String intendedUse, List<String> caveats) {

  /** Requires both and copies the caveats. */
  public CardNotes {
    Objects.requireNonNull(intendedUse, "intendedUse");
    caveats = List.copyOf(caveats);
  }

  /** Notes with an intended use and any number of caveats. */
  public static CardNotes of(String intendedUse, String... caveats) {
    return new CardNotes(intendedUse, List.of(caveats));
  }
}
