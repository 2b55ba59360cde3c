package dev.cohort.cli;

import java.util.concurrent.CountDownLatch;

/**
 * Serving until Ctrl-C or SIGTERM, for the commands that serve (the dashboard, a model): what was
 * served is closed inside the shutdown hook itself, since the JVM halts as soon as its hooks end,
 * whatever the main thread was about to do.
 */
final class StopSignal {
  private StopSignal() {}

  /** Blocks until the JVM is told to stop, and closes {@code served} before it halts. */
  static void closeOnStop(AutoCloseable served, String what) throws InterruptedException {
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    served.close();
                  } catch (Exception e) {
                    System.err.println(
                        "warning: cannot stop " + what + " cleanly: " + e.getMessage());
                  } finally {
                    closed.countDown();
                  }
                },
                "cohort-stop"));
    closed.await();
  }
}
