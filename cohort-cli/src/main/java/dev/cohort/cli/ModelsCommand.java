package dev.cohort.cli;

import dev.cohort.ops.registry.AuditCheck;
import dev.cohort.ops.registry.AuditEntry;
import dev.cohort.ops.registry.Gate;
import dev.cohort.ops.registry.ModelDiff;
import dev.cohort.ops.registry.ModelVersion;
import dev.cohort.ops.registry.Promotion;
import dev.cohort.ops.registry.Registry;
import dev.cohort.ops.registry.RegistryException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cohort models}: versions of trained models in a registry, the champion each model serves,
 * the gate a new champion must pass, rollback and the audit log. Each subcommand is one small
 * class; they share {@link RegistryOptions} and {@link Action}'s error handling.
 */
@Command(
    name = "models",
    mixinStandardHelpOptions = true,
    description = {
      "Versions of trained models: register a finished run, compare versions, promote one to",
      "champion through a gate against silent regressions, roll back, serve the champion,",
      "write model cards, verify the audit log."
    },
    subcommands = {
      ModelsRegisterCommand.class,
      ModelsCommand.ListVersions.class,
      ModelsCommand.Show.class,
      ModelsCommand.Diff.class,
      ModelsCommand.Promote.class,
      ModelsCommand.Rollback.class,
      ModelsServeCommand.class,
      ModelsCardCommand.class,
      ModelsCommand.Audit.class
    })
final class ModelsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * A subcommand's body against an open registry: a refusal of the input exits 2, a registry that
   * cannot do it exits 1, each with one line.
   */
  abstract static class Action implements Callable<Integer> {
    @Mixin RegistryOptions registry;

    @Spec CommandSpec spec;

    abstract int run(Registry r, PrintWriter out) throws Exception;

    @Override
    public final Integer call() throws Exception {
      PrintWriter err = spec.commandLine().getErr();
      String name = "cohort models " + spec.name();
      try (Registry r = registry.open()) {
        PrintWriter out = spec.commandLine().getOut();
        int status = run(r, out);
        out.flush();
        return status;
      } catch (IllegalArgumentException e) {
        err.println(name + ": " + e.getMessage());
        return 2;
      } catch (RegistryException | java.io.IOException e) {
        err.println(name + ": " + e.getMessage());
        return 1;
      }
    }
  }

  @Command(name = "list", description = "The versions of a model, the champion marked with *.")
  static final class ListVersions extends Action {
    @Parameters(paramLabel = "MODEL", arity = "0..1", description = "The model (default: all).")
    String model;

    @Override
    int run(Registry r, PrintWriter out) {
      for (String m : model == null ? r.models() : java.util.List.of(model)) {
        Optional<ModelVersion> champion = r.champion(m);
        out.println(m + ":");
        for (ModelVersion v : r.list(m)) {
          boolean star = champion.map(c -> c.version() == v.version()).orElse(false);
          out.printf(
              Locale.ROOT,
              "  %s v%-3d test accuracy %.4f  %d workers, %s  by %s at %s%n",
              star ? "*" : " ",
              v.version(),
              v.evaluation().set("test").map(s -> s.accuracy()).orElse(Double.NaN),
              v.lineage().worldSize(),
              v.lineage().strategy(),
              v.createdBy(),
              v.createdAt());
        }
      }
      return 0;
    }
  }

  @Command(name = "show", description = "One version: lineage and scores.")
  static final class Show extends Action {
    @Parameters(index = "0", paramLabel = "MODEL")
    String model;

    @Parameters(index = "1", paramLabel = "VERSION")
    int version;

    @Override
    int run(Registry r, PrintWriter out) {
      ModelVersion v = r.get(model, version);
      out.print(ModelsCardCommand.card(r, v).markdown());
      return 0;
    }
  }

  @Command(
      name = "diff",
      description = "What differs between two versions: lineage, configuration, scores.")
  static final class Diff extends Action {
    @Parameters(index = "0", paramLabel = "MODEL")
    String model;

    @Parameters(index = "1", paramLabel = "FROM")
    int from;

    @Parameters(index = "2", paramLabel = "TO")
    int to;

    @Override
    int run(Registry r, PrintWriter out) {
      out.print(ModelDiff.of(r.get(model, from), r.get(model, to)).table());
      return 0;
    }
  }

  @Command(
      name = "promote",
      description = {
        "Make a version the champion if it is not worse than the current champion by more than",
        "the allowed drops on the test set, each shifted set and each class; --force overrides a",
        "refusal, and says so in the audit log. Exit status 3 when refused."
      })
  static final class Promote extends Action {
    @Parameters(index = "0", paramLabel = "MODEL")
    String model;

    @Parameters(index = "1", paramLabel = "VERSION")
    int version;

    @Option(
        names = "--max-drop",
        defaultValue = "0.01",
        description = "Accuracy a set may lose against the champion (default ${DEFAULT-VALUE}).")
    double maxDrop;

    @Option(
        names = "--max-class-drop",
        defaultValue = "0.02",
        description = "Accuracy a class may lose in any set (default ${DEFAULT-VALUE}).")
    double maxClassDrop;

    @Option(names = "--force", description = "Promote even over regressions (audited).")
    boolean force;

    @Override
    int run(Registry r, PrintWriter out) {
      Promotion p =
          r.promote(model, version, new Gate(maxDrop, maxClassDrop), force, registry.actor());
      if (p instanceof Promotion.Refused) {
        spec.commandLine().getErr().println("cohort models promote: " + p.describe());
        return 3;
      }
      out.println(p.describe());
      return 0;
    }
  }

  @Command(name = "rollback", description = "Move the champion back to the version before it.")
  static final class Rollback extends Action {
    @Parameters(paramLabel = "MODEL")
    String model;

    @Override
    int run(Registry r, PrintWriter out) {
      ModelVersion was = r.champion(model).orElse(null);
      ModelVersion now = r.rollback(model, registry.actor());
      out.println(
          now.label()
              + " is the champion again"
              + (was == null ? "" : " (was v" + was.version() + ")"));
      return 0;
    }
  }

  @Command(
      name = "audit",
      description = "The audit log, its hash chain verified. Exit status 4 when broken.")
  static final class Audit extends Action {
    @Option(names = "--quiet", description = "Print only the verdict.")
    boolean quiet;

    @Override
    int run(Registry r, PrintWriter out) {
      if (!quiet) {
        for (AuditEntry e : r.audit()) {
          out.println(e.summary());
        }
      }
      AuditCheck check = r.verifyAudit();
      if (!check.intact()) {
        spec.commandLine().getErr().println("cohort models audit: " + check.reason());
        return 4;
      }
      out.println("audit log intact: " + check.entries() + " entries, hash chain verified");
      return 0;
    }
  }
}
