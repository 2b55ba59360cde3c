package dev.cohort.comm.group;

import dev.cohort.comm.CommException;
import dev.cohort.comm.Store;
import dev.cohort.comm.Work;
import dev.cohort.comm.transport.Pair;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The group's communication thread: runs {@link Job}s one at a time in issue order, numbers the
 * collectives, and latches the first failure.
 *
 * <p>On the first failure it reports it to the store (first report wins, so later errors elsewhere
 * can name the original culprit), closes every pair so that peers blocked on this rank fail fast
 * instead of waiting for their timeout, and fails every later job with the latched error.
 *
 * <p>Thread-safe: {@link #issue} may be called from any thread.
 */
final class CommThread {
  private static final System.Logger LOG = System.getLogger(CommThread.class.getName());

  /** How much longer than the configured timeout close waits for running collectives. */
  private static final Duration CLOSE_MARGIN = Duration.ofSeconds(5);

  private final int rank;
  private final Store store;
  private final Pair[] pairs;
  private final ExecutorService thread;

  /** Guarded by this. */
  private int nextSeq;

  /** Jobs queued to the thread and not yet finished; guarded by this. */
  private int queued;

  private volatile RuntimeException failure;
  private volatile boolean closed;

  CommThread(int rank, Store store, Pair[] pairs) {
    this.rank = rank;
    this.store = store;
    this.pairs = pairs;
    this.thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "cohort-comm-rank" + rank);
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Queues a job, or runs it at once on the calling thread when it is blocking and nothing is
   * queued: the hand-off to the communication thread and back costs tens of microseconds, as much
   * as a whole small all-reduce. The monitor keeps issue order and excludes the comm thread.
   */
  synchronized Work issue(Job job, boolean blocking) {
    int seq = job.collective() ? nextSeq++ : -1;
    String what = job.collective() ? job.what() + " #" + seq : job.what();
    CommWork work = new CommWork("rank " + rank + ": " + what, job.timeout());
    RuntimeException latched = failure;
    if (latched != null || closed) {
      work.fail(latched != null ? latched : closedGroup(what));
      return work;
    }
    Runnable task = () -> execute(job, seq, work);
    if (blocking && queued == 0) {
      task.run();
      return work;
    }
    queued++;
    try {
      thread.execute(
          () -> {
            try {
              task.run();
            } finally {
              synchronized (this) {
                queued--;
              }
            }
          });
    } catch (RejectedExecutionException e) {
      queued--;
      work.fail(failure != null ? failure : closedGroup(what));
    }
    return work;
  }

  private CommException closedGroup(String what) {
    return new CommException("rank " + rank + ": " + what + " issued on a closed group");
  }

  private void execute(Job job, int seq, CommWork work) {
    RuntimeException before = failure;
    if (before != null) {
      work.fail(before);
      return;
    }
    try {
      job.body().accept(seq);
      work.succeed();
    } catch (RuntimeException e) {
      work.fail(fail(e));
    }
  }

  /** Latches the first failure, tells the store, and closes all pairs; returns what to report. */
  RuntimeException fail(RuntimeException e) {
    RuntimeException reported = FailureReports.withFirstReport(store, rank, e);
    if (failure == null) {
      failure = reported;
    }
    closePairs();
    return reported;
  }

  /** Fails every pending and future job with {@code reason}. */
  void abort(String reason) {
    fail(new CommException("rank " + rank + ": group aborted: " + reason));
    thread.shutdownNow();
  }

  /**
   * Refuses new jobs, waits up to {@code timeout} plus a margin for queued ones, then closes the
   * pairs.
   *
   * @return false if it was closed already
   */
  boolean close(Duration timeout) {
    if (closed) {
      return false;
    }
    closed = true;
    thread.shutdown();
    try {
      if (!thread.awaitTermination(timeout.plus(CLOSE_MARGIN).toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.log(
            System.Logger.Level.WARNING, "rank " + rank + ": collectives still running at close");
        thread.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      thread.shutdownNow();
    }
    closePairs();
    return true;
  }

  private void closePairs() {
    for (Pair p : pairs) {
      if (p != null) {
        p.close();
      }
    }
  }
}
