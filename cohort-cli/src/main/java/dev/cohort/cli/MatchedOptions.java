package dev.cohort.cli;

import java.util.List;
import java.util.function.Predicate;
import picocli.CommandLine.Model.CommandSpec;

/** Which options the user gave, by their longest name: for refusing options of another mode. */
final class MatchedOptions {
  private MatchedOptions() {}

  /** The options given on the command line of {@code spec} that {@code among} accepts. */
  static List<String> of(CommandSpec spec, Predicate<String> among) {
    return spec.commandLine().getParseResult().matchedOptions().stream()
        .map(o -> o.longestName())
        .filter(among)
        .toList();
  }
}
