package dev.cohort.cli;

import dev.cohort.comm.AuthenticationException;
import dev.cohort.comm.CommException;
import dev.cohort.comm.Encryption;
import dev.cohort.comm.Env;
import dev.cohort.comm.Secrets;
import dev.cohort.comm.store.StoreServer;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cohort store}: runs a standalone rendezvous store until interrupted. */
@Command(
    name = "store",
    mixinStandardHelpOptions = true,
    description =
        "Run a standalone rendezvous store (ranks then start with hostStore off). "
            + "The shared secret comes from COHORT_SECRET or COHORT_SECRET_FILE.")
final class StoreCommand implements Callable<Integer> {
  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description =
          "Address to bind (default ${DEFAULT-VALUE}; use 0.0.0.0 only on a trusted network).")
  String host;

  @Option(
      names = "--port",
      defaultValue = "29500",
      description = "Port (default ${DEFAULT-VALUE}).")
  int port;

  @Spec CommandSpec spec;

  /**
   * Serves until the JVM shuts down.
   *
   * @return 0 after Ctrl-C or SIGTERM; 2 without a usable secret or with an invalid address; 1 when
   *     the store cannot listen (the port is taken)
   */
  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    if (port < 0 || port > 65535) {
      err.println("cohort store: --port must be 0..65535, got " + port);
      return 2;
    }
    CountDownLatch stop = new CountDownLatch(1);
    try (StoreServer server =
        StoreServer.on(host, port)
            .secret(Secrets.fromEnvironment(Env.system()))
            .encryption(Encryption.fromEnvironment(Env.system()))
            .start()) {
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
      System.out.println(
          "cohort store listening on "
              + server.host()
              + ":"
              + server.port()
              + (server.encrypts() ? ", traffic encrypted" : "")
              + " (Ctrl-C to stop)");
      stop.await();
      return 0;
    } catch (AuthenticationException | IllegalArgumentException e) { // no secret, bad setting
      err.println("cohort store: " + e.getMessage());
      return 2;
    } catch (CommException e) {
      err.println("cohort store: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }
}
