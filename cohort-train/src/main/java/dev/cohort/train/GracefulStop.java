package dev.cohort.train;

import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.ReduceOp;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Turns SIGTERM (and Ctrl-C) into a clean stop: the JVM's shutdown hook raises a flag, which the
 * trainer checks collectively every few steps, so that all workers stop after the same step, write
 * a final checkpoint, and finish; the hook holds the JVM open until then (at most {@value
 * #GRACE_SECONDS} s).
 */
public final class GracefulStop {
  static final int GRACE_SECONDS = 60;
  private final AtomicBoolean requested = new AtomicBoolean();
  private final CountDownLatch finished = new CountDownLatch(1);
  private final Thread hook = new Thread(this::onSignal, "cohort-graceful-stop");

  /** Installs the shutdown hook. */
  public static GracefulStop install() {
    GracefulStop s = new GracefulStop();
    Runtime.getRuntime().addShutdownHook(s.hook);
    return s;
  }

  public boolean requested() {
    return requested.get();
  }

  /**
   * Whether any rank of {@code group} was asked to stop ({@code requested} on that rank): the same
   * answer everywhere, so that every rank stops after the same step. Collective over the group.
   */
  public static boolean agreed(ProcessGroup group, BooleanSupplier requested) {
    int[] flag = {requested.getAsBoolean() ? 1 : 0};
    group.allReduce(flag, ReduceOp.MAX);
    return flag[0] > 0;
  }

  /** Called when training is over (stopped or not): lets a waiting hook, and the JVM, finish. */
  public void finished() {
    finished.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // The JVM is shutting down: the hook is running and will return now.
    }
  }

  private void onSignal() {
    requested.set(true);
    try {
      if (finished.await(GRACE_SECONDS, TimeUnit.SECONDS)) {
        // The run ended cleanly on request: say so with status 0 rather than the 143 the JVM
        // would report for SIGTERM, so launchers do not mistake it for a crash.
        Runtime.getRuntime().halt(0);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
