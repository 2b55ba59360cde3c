package dev.cohort.cli;

import dev.cohort.ops.models.ModelServer;
import dev.cohort.ops.registry.Registry;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cohort models serve MODEL}: the champion over HTTP until Ctrl-C, following promotions. */
@Command(
    name = "serve",
    description = {
      "Serve MODEL's champion until Ctrl-C: POST /predict with {\"pixels\": [784 values]} answers",
      "the class and the version that answered; GET /version. Both need the printed token (in",
      "the URL or as Authorization: Bearer). A promotion or rollback switches the version served",
      "within --poll-ms, without a restart."
    })
final class ModelsServeCommand extends ModelsCommand.Action {
  @Parameters(paramLabel = "MODEL")
  String model;

  @Option(names = "--port", defaultValue = "0", description = "Port (default: any free port).")
  int port;

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description = "Address to listen on (default ${DEFAULT-VALUE}: this machine only).")
  String host;

  @Option(
      names = "--poll-ms",
      defaultValue = "1000",
      description = "How often to ask the registry for the champion (default ${DEFAULT-VALUE}).")
  long pollMs;

  @Override
  int run(Registry r, PrintWriter out) throws Exception {
    if (port < 0 || port > 65535 || pollMs < 10) {
      throw new IllegalArgumentException(
          "--port must be between 0 and 65535 and --poll-ms at least 10, got "
              + port
              + " and "
              + pollMs);
    }
    try (ModelServer server =
        ModelServer.start(
            r,
            model,
            new ModelServer.Settings(host, port, Duration.ofMillis(pollMs), registry.actor()),
            System.out)) {
      StopSignal.closeOnStop(server, "the model server");
    }
    return 0;
  }
}
