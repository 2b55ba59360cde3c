package dev.cohort.train.metrics;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Tells a listener about steps and epochs from a thread of its own, so that writing metrics.csv,
 * drawing the progress bar and the caller's listener take no time from the training thread.
 *
 * <p>The training thread only puts the event in a ring (no lock, no wake-up: a thread that wakes
 * once per step would cost a context switch per step on a busy machine; no allocation for a step:
 * between two steps of libtorch work every cache line the loop touches is a miss, so the queue node
 * and closure that a concurrent queue allocates cost several microseconds a step). The listener
 * thread drains the ring every {@value #PERIOD_MS} ms, in order. One thread, the training thread,
 * tells steps and epochs. {@link #onStart} runs at once, on the caller's thread, so that a run
 * folder that cannot be written stops the run before its first step. A listener's failure is
 * rethrown to the training thread at its next call or at {@link #flush}. The queue is bounded: with
 * {@value #MAX_PENDING} events pending the training thread drains it itself.
 */
public final class ListenerThread implements RunListener, AutoCloseable {
  static final int PERIOD_MS = 50;
  static final int MAX_PENDING = 4096; // a power of two: the ring's size

  private static final VarHandle TAIL;
  private static final VarHandle HEAD;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      TAIL = l.findVarHandle(ListenerThread.class, "tail", long.class);
      HEAD = l.findVarHandle(ListenerThread.class, "head", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** An epoch's event; steps go in the ring as their records. */
  private record Epoch(int epoch, double trainLoss, double testAccuracy) {}

  private final RunListener listener;
  // Slot i holds a StepRecord (with its batch numbers in the same slot of positions) or an Epoch.
  private final Object[] events = new Object[MAX_PENDING];
  private final long[] positions = new long[MAX_PENDING];
  private final ReentrantLock draining = new ReentrantLock();
  private final Thread thread;
  private long tail; // written by the producer only, published with release
  private long head; // written under the draining lock, published with release
  private long headSeen; // the producer's last look at head: re-read only when the ring seems full
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
    put(r, ((long) batchInEpoch << 32) | (batchesPerEpoch & 0xFFFF_FFFFL));
  }

  @Override
  public void onEpoch(int epoch, double trainLoss, double testAccuracy) {
    put(new Epoch(epoch, trainLoss, testAccuracy), 0);
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

  private void put(Object event, long position) {
    rethrow();
    if (closed) {
      throw new IllegalStateException("the listener thread is closed");
    }
    long t = tail;
    if (t - headSeen >= MAX_PENDING) {
      headSeen = (long) HEAD.getAcquire(this);
      if (t - headSeen >= MAX_PENDING) {
        drain(); // the listener is slower than training: wait for it rather than grow
        rethrow();
        headSeen = (long) HEAD.getAcquire(this);
      }
    }
    int slot = (int) (t & (MAX_PENDING - 1));
    events[slot] = event;
    positions[slot] = position;
    TAIL.setRelease(this, t + 1);
  }

  private void loop() {
    while (!closed) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(PERIOD_MS));
      drain();
    }
    drain();
  }

  /** Delivers pending events in order; one drainer at a time. Stops at the first failure. */
  private void drain() {
    draining.lock();
    try {
      long end = (long) TAIL.getAcquire(this);
      for (long h = head; h < end && failure == null; h++) {
        int slot = (int) (h & (MAX_PENDING - 1));
        Object e = events[slot];
        long position = positions[slot];
        events[slot] = null;
        HEAD.setRelease(this, h + 1); // the slot is the producer's again
        try {
          deliver(e, position);
        } catch (RuntimeException x) {
          failure = x;
        }
      }
    } finally {
      draining.unlock();
    }
  }

  private void deliver(Object event, long position) {
    if (event instanceof StepRecord r) {
      listener.onStep(r, (int) (position >>> 32), (int) position);
    } else if (event instanceof Epoch e) {
      listener.onEpoch(e.epoch(), e.trainLoss(), e.testAccuracy());
    }
  }

  private void rethrow() {
    RuntimeException f = failure;
    if (f != null) {
      throw f;
    }
  }
}
