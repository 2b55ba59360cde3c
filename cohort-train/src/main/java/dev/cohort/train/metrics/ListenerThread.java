package dev.cohort.train.metrics;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Tells a listener about steps and epochs from a thread of its own, so that writing metrics.csv,
 * drawing the progress bar and the caller's listener take no time from the training thread.
 *
 * <p>The training thread only enqueues (no lock, no wake-up: a thread that wakes once per step
 * would cost a context switch per step on a busy machine); the listener thread drains the queue
 * every {@value #PERIOD_MS} ms, in order. {@link #onStart} runs at once, on the caller's thread, so
 * that a run folder that cannot be written stops the run before its first step. A listener's
 * failure is rethrown to the training thread at its next call or at {@link #flush}. The queue is
 * bounded: past {@value #MAX_PENDING} pending events the training thread drains it itself.
 */
public final class ListenerThread implements RunListener, AutoCloseable {
  static final int PERIOD_MS = 50;
  static final int MAX_PENDING = 4096;

  private final RunListener listener;
  private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pending = new AtomicInteger();
  private final ReentrantLock draining = new ReentrantLock();
  private final Thread thread;
  private volatile boolean closed;
  private volatile RuntimeException failure;

  public ListenerThread(RunListener listener) {
    this.listener = listener;
    this.thread = new Thread(this::loop, "cohort-listener");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void onStart(Start start) {
    flush();
    listener.onStart(start);
  }

  @Override
  public void onStep(StepRecord r, int batchInEpoch, int batchesPerEpoch) {
    enqueue(() -> listener.onStep(r, batchInEpoch, batchesPerEpoch));
  }

  @Override
  public void onEpoch(int epoch, double trainLoss, double testAccuracy) {
    enqueue(() -> listener.onEpoch(epoch, trainLoss, testAccuracy));
  }

  /**
   * Delivers every pending event before returning, on this thread if need be.
   *
   * @throws RuntimeException what a listener threw
   */
  public void flush() {
    drain();
    rethrow();
  }

  /** Delivers what is pending, then stops the thread. */
  @Override
  public void close() {
    closed = true;
    LockSupport.unpark(thread);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    flush();
  }

  private void enqueue(Runnable event) {
    rethrow();
    if (closed) {
      throw new IllegalStateException("the listener thread is closed");
    }
    queue.add(event);
    if (pending.incrementAndGet() > MAX_PENDING) {
      drain(); // the listener is slower than training: wait for it rather than grow
      rethrow();
    }
  }

  private void loop() {
    while (!closed) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PERIOD_MS));
      drain();
    }
    drain();
  }

  /** Runs pending events in order; one drainer at a time. Stops at the first failure. */
  private void drain() {
    draining.lock();
    try {
      for (Runnable e = queue.poll(); e != null && failure == null; e = queue.poll()) {
        pending.decrementAndGet();
        try {
          e.run();
        } catch (RuntimeException x) {
          failure = x;
        }
      }
    } finally {
      draining.unlock();
    }
  }

  private void rethrow() {
    RuntimeException f = failure;
    if (f != null) {
      throw f;
    }
  }
}
