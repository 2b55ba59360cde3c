package dev.cohort.train;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.cohort.comm.Store;
import dev.cohort.train.metrics.RunListener;
import dev.cohort.train.metrics.StepRecord;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes "steps:beats" to the store every {@value #PERIOD_MS} ms under {@link #key}, from a
 * daemon thread with its own store connection: the optimizer steps done, and a counter that moves
 * as long as the process runs at all. Steps that stop moving mean no progress; beats that stop too
 * mean the process itself is frozen or gone, which tells a watcher which rank is the culprit and
 * which are merely waiting for it. As a {@link RunListener} it records each step as it ends.
 */
public final class Heartbeat implements RunListener, AutoCloseable {
  public static final long PERIOD_MS = 1000;
  private final AtomicLong steps = new AtomicLong();
  private final Store store;
  private final Thread thread;
  private volatile boolean stopped;

  /** The store key of a rank's heartbeat in a generation. */
  public static String key(long generation, int rank) {
    return "heartbeat/g" + generation + "/rank" + rank;
  }

  /** Starts beating; takes ownership of {@code store}. */
  public Heartbeat(Store store, long generation, int rank) {
    this.store = store;
    String key = key(generation, rank);
    thread =
        new Thread(
            () -> {
              long beats = 0;
              while (!stopped) {
                try {
                  store.set(key, (steps.get() + ":" + ++beats).getBytes(UTF_8));
                  Thread.sleep(PERIOD_MS);
                } catch (InterruptedException e) {
                  return;
                } catch (RuntimeException e) {
                  return; // the store is gone (the launcher stopped): training finds out on its own
                }
              }
            },
            "cohort-heartbeat");
    thread.setDaemon(true);
    thread.start();
  }

  /** Records progress; called after every step. */
  public void step(long done) {
    steps.set(done);
  }

  @Override
  public void onStep(StepRecord r, int batchInEpoch, int batchesPerEpoch) {
    step(r.step() + 1);
  }

  @Override
  public void close() {
    stopped = true;
    thread.interrupt();
    store.close();
  }
}
