package dev.cohort.cli;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.Env;
import dev.cohort.comm.Secrets;
import dev.cohort.comm.store.StoreServer;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cohort store}: runs a standalone rendezvous store until interrupted. */
@Command(
    name = "store",
    mixinStandardHelpOptions = true,
    description =
        "Run a standalone rendezvous store (ranks then start with hostStore off). "
            + "The shared secret comes from COHORT_SECRET or COHORT_SECRET_FILE.")
final class StoreCommand implements Runnable {
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

  @Override
  public void run() {
    byte[] secret = Secrets.fromEnvironment(Env.system());
    CountDownLatch stop = new CountDownLatch(1);
    try (StoreServer server =
        StoreServer.start(host, port, secret, CommConfig.DEFAULT_MAX_FRAME_BYTES)) {
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
      System.out.println(
          "cohort store listening on " + server.host() + ":" + server.port() + " (Ctrl-C to stop)");
      stop.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
