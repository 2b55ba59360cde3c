package dev.cohort.comm.group;

import dev.cohort.comm.CommException;
import dev.cohort.comm.CommTimeoutException;
import dev.cohort.comm.Failures;
import dev.cohort.comm.Work;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The {@link Work} of one collective issued to a {@link DefaultProcessGroup}. */
final class CommWork implements Work {
  private final CompletableFuture<Void> future = new CompletableFuture<>();
  private final String what;
  private final Duration defaultTimeout;

  CommWork(String what, Duration defaultTimeout) {
    this.what = what;
    this.defaultTimeout = defaultTimeout;
  }

  void succeed() {
    future.complete(null);
  }

  void fail(RuntimeException e) {
    future.completeExceptionally(e);
  }

  @Override
  public boolean isCompleted() {
    return future.isDone();
  }

  @Override
  public boolean isSuccess() {
    return future.isDone() && !future.isCompletedExceptionally();
  }

  @Override
  public Optional<RuntimeException> exception() {
    if (!future.isCompletedExceptionally()) {
      return Optional.empty();
    }
    try {
      future.join();
      return Optional.empty();
    } catch (CompletionException e) {
      return Optional.of(e.getCause() instanceof RuntimeException r ? r : e);
    }
  }

  @Override
  public void await(Duration timeout) {
    try {
      future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new CommTimeoutException(
          what + " did not complete within " + timeout.toMillis() + " ms of waiting", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommException("interrupted while waiting for " + what, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof CommException ce) {
        // Rethrow a fresh exception of the same meaning so the waiter's stack shows up too.
        throw Failures.sameKind(ce, ce.getMessage());
      }
      throw new CommException(what + " failed: " + cause, cause);
    }
  }

  @Override
  public void await() {
    // Plus a margin: the collective enforces the timeout itself and reports better than we can.
    await(defaultTimeout.plusSeconds(5));
  }

  @Override
  public String toString() {
    return what + (isCompleted() ? (isSuccess() ? " (done)" : " (failed)") : " (pending)");
  }
}
