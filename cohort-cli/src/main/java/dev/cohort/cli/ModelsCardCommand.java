package dev.cohort.cli;

import dev.cohort.checkpoint.PrivateFiles;
import dev.cohort.ops.registry.CardNotes;
import dev.cohort.ops.registry.ModelCard;
import dev.cohort.ops.registry.ModelVersion;
import dev.cohort.ops.registry.Registry;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cohort models card MODEL VERSION --out DIR}: the model card, Markdown and HTML. */
@Command(
    name = "card",
    description = "Write a version's model card as MODEL-vN.md and MODEL-vN.html into --out.")
final class ModelsCardCommand extends ModelsCommand.Action {
  /** What Cohort's image classifiers are for, and are not. */
  static final String INTENDED_USE =
      "Classifying 28x28 grayscale images of clothing into the ten Fashion-MNIST classes, for"
          + " demonstrations and benchmarks of distributed training. Not for decisions about"
          + " people, nor for photographs unlike Fashion-MNIST's (centered, dark background).";

  @Parameters(index = "0", paramLabel = "MODEL")
  String model;

  @Parameters(index = "1", paramLabel = "VERSION")
  int version;

  @Option(
      names = "--out",
      defaultValue = ".",
      description = "Folder to write into (default: here).")
  Path out;

  static ModelCard card(Registry r, ModelVersion v) {
    boolean champion = r.champion(v.model()).map(c -> c.version() == v.version()).orElse(false);
    return ModelCard.of(
        v,
        champion,
        CardNotes.of(
            INTENDED_USE,
            "Scored on Fashion-MNIST's test set and three synthetic shifts of it (noise,"
                + " rotation, contrast); real-world images differ more."));
  }

  @Override
  int run(Registry r, PrintWriter console) throws Exception {
    ModelCard card = card(r, r.get(model, version));
    PrivateFiles.createDirectories(out);
    Path md = out.resolve(model + "-v" + version + ".md");
    Path html = out.resolve(model + "-v" + version + ".html");
    for (Path f : new Path[] {md, html}) {
      PrivateFiles.restrict(f); // 0600, as every file Cohort writes; share it on purpose
    }
    Files.writeString(md, card.markdown(), StandardCharsets.UTF_8);
    Files.writeString(html, card.html(), StandardCharsets.UTF_8);
    console.println("wrote " + md + " and " + html);
    return 0;
  }
}
