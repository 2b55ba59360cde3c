package dev.cohort.cli;

import dev.cohort.comm.Secrets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code cohort secret}: prints a fresh random shared secret. */
@Command(
    name = "secret",
    mixinStandardHelpOptions = true,
    description = {
      "Print a fresh random shared secret (32 random bytes as 64 hex digits), for",
      "COHORT_SECRET or a COHORT_SECRET_FILE only you can read, e.g.",
      "  umask 077; cohort secret > ~/.cohort-secret",
      "  export COHORT_SECRET_FILE=~/.cohort-secret"
    })
final class SecretCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  /**
   * @return 0
   */
  @Override
  public Integer call() {
    spec.commandLine().getOut().println(Secrets.generate());
    spec.commandLine().getOut().flush();
    return 0;
  }
}
