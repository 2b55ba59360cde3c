package dev.cohort.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Makes the command's own exit status the process's, even after SIGTERM or Ctrl-C. A JVM that a
 * signal shuts down exits 143 (SIGTERM) or 130 (SIGINT) as soon as its shutdown hooks return, which
 * can be before the command has stopped its workers, printed their last output and its summary, and
 * decided how the run ended; {@link System#exit} would then block for good. This hook waits for the
 * command (at most {@link #WAIT}) and halts with its status: {@code cohort train} stopped
 * gracefully exits 0, {@code cohort run} exits with what its ranks said.
 */
final class ExitStatus {
  /** How long a signalled JVM waits for the command: the launcher's grace to stop, and more. */
  static final Duration WAIT = Duration.ofSeconds(90);

  private final CountDownLatch decided = new CountDownLatch(1);
  private volatile int status;
  private volatile boolean exiting;

  private ExitStatus() {}

  /** Installs the hook; call {@link #exit} with the command's status. */
  static ExitStatus install() {
    ExitStatus s = new ExitStatus();
    Runtime.getRuntime().addShutdownHook(new Thread(s::onShutdown, "cohort-exit-status"));
    return s;
  }

  /** Ends the process with {@code code}, whether or not a signal began its shutdown. */
  void exit(int code) {
    status = code;
    try {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {}));
    } catch (IllegalStateException shuttingDown) {
      decided.countDown(); // a signal began the shutdown: the hook halts with this status
      return;
    }
    exiting = true;
    decided.countDown();
    System.exit(code);
  }

  private void onShutdown() {
    try {
      if (decided.await(WAIT.toSeconds(), TimeUnit.SECONDS) && !exiting) {
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(status);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
