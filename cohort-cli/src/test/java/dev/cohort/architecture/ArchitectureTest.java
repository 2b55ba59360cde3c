package dev.cohort.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module graph is the architecture: comm and checkpoint at the bottom, then train (the only
 * module that knows DJL), launch, lab and the command line, arrows one way. These rules read the
 * compiled classes of every module (this module's test class path holds them all) and the poms, and
 * fail when an arrow points the wrong way or when code outside cohort-comm reaches past its
 * exported API.
 */
class ArchitectureTest {
  /**
   * The modules, bottom up; a module may depend only on modules before it. cohort-jmh (benchmarks,
   * on cohort-train alone) sits at the top so that nothing may depend on it.
   */
  private static final List<String> MODULES =
      List.of(
          "cohort-comm",
          "cohort-checkpoint",
          "cohort-train",
          "cohort-launch",
          "cohort-lab",
          "cohort-ops",
          "cohort-cli",
          "cohort-jmh");

  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.cohort");
  }

  @Test
  void layersShouldOnlyDependDownwards() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("comm")
        .definedBy("dev.cohort.comm..")
        .layer("checkpoint")
        .definedBy("dev.cohort.checkpoint..")
        .layer("train")
        .definedBy("dev.cohort.train..")
        .layer("launch")
        .definedBy("dev.cohort.launch..")
        .layer("lab")
        .definedBy("dev.cohort.lab..")
        .layer("ops")
        .definedBy("dev.cohort.ops..")
        .layer("cli")
        .definedBy("dev.cohort.cli..")
        .whereLayer("cli")
        .mayNotBeAccessedByAnyLayer()
        .whereLayer("ops")
        .mayOnlyBeAccessedByLayers("cli")
        .whereLayer("lab")
        .mayOnlyBeAccessedByLayers("ops", "cli")
        .whereLayer("launch")
        .mayOnlyBeAccessedByLayers("lab", "ops", "cli")
        .whereLayer("train")
        .mayOnlyBeAccessedByLayers("launch", "lab", "ops", "cli")
        .whereLayer("checkpoint")
        .mayOnlyBeAccessedByLayers("train", "launch", "lab", "ops", "cli")
        .whereLayer("comm")
        .mayOnlyBeAccessedByLayers("train", "launch", "lab", "ops", "cli")
        .check(classes);
  }

  @Test
  void onlyTheTrainingLayerShouldKnowDjl() {
    noClasses()
        .that()
        .resideOutsideOfPackages(
            "dev.cohort.train..", "dev.cohort.launch..", "dev.cohort.lab..", "dev.cohort.cli..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("ai.djl..")
        .check(classes);
  }

  @Test
  void codeOutsideCommShouldUseOnlyItsExportedApi() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.cohort.comm..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.cohort.comm.auth..",
            "dev.cohort.comm.collective..",
            "dev.cohort.comm.group..",
            "dev.cohort.comm.transport..",
            "dev.cohort.comm.wire..")
        .because(
            "cohort-comm exports only dev.cohort.comm (the API) and dev.cohort.comm.store "
                + "(what launchers need); see its module-info.java")
        .check(classes);
  }

  /**
   * Sub-packages never depend on each other in a circle. (A module's root package is its API or
   * entry point and its sub-packages implement it, so the root is left out of the slices.)
   */
  @Test
  void subPackagesShouldBeFreeOfCycles() {
    slices().matching("dev.cohort.(*).(*)..").should().beFreeOfCycles().check(classes);
  }

  @Test
  void commModuleInfoShouldExportOnlyTheApiAndTheStore() throws IOException {
    String moduleInfo =
        Files.readString(root().resolve("cohort-comm/src/main/java/module-info.java"));
    List<String> exported = new ArrayList<>();
    Matcher m = Pattern.compile("exports\\s+([\\w.]+)\\s*;").matcher(moduleInfo);
    while (m.find()) {
      exported.add(m.group(1));
    }
    assertThat(exported).containsExactlyInAnyOrder("dev.cohort.comm", "dev.cohort.comm.store");
  }

  @Test
  void pomsShouldDeclareDependenciesOnlyOnLowerModules() throws IOException {
    Map<String, List<String>> deps = new LinkedHashMap<>();
    Pattern dep =
        Pattern.compile(
            "<groupId>dev\\.cohort</groupId>\\s*<artifactId>(cohort-[\\w-]+)</artifactId>");
    for (String module : MODULES) {
      String pom = Files.readString(root().resolve(module).resolve("pom.xml"));
      String dependencies = pom.substring(Math.max(0, pom.indexOf("<dependencies>")));
      List<String> found = new ArrayList<>();
      Matcher m = dep.matcher(dependencies);
      while (m.find()) {
        found.add(m.group(1));
      }
      deps.put(module, found);
    }
    deps.forEach(
        (module, on) ->
            on.forEach(
                target ->
                    assertThat(MODULES.indexOf(target))
                        .as(module + " depends on " + target)
                        .isBetween(0, MODULES.indexOf(module) - 1)));
    try (Stream<Path> dirs = Files.list(root())) {
      List<String> onDisk =
          dirs.filter(d -> Files.exists(d.resolve("pom.xml")))
              .map(d -> d.getFileName().toString())
              .filter(n -> n.startsWith("cohort-"))
              .toList();
      assertThat(MODULES)
          .as("every module is placed in the layer order")
          .containsExactlyInAnyOrderElementsOf(onDisk);
    }
  }

  private static Path root() {
    return Path.of("..").toAbsolutePath().normalize();
  }
}
