package dev.cohort.train.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.train.TrainConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListenerThreadTest {

  private static StepRecord step(int i) {
    return new StepRecord(i, 0, 1f, 1, 1, 1, 1, 1, 1, 10);
  }

  /** Records what it hears, and on which thread. */
  private static final class Recording implements RunListener {
    final List<String> heard = Collections.synchronizedList(new ArrayList<>());
    final List<String> threads = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void onStart(Start start) {
      heard.add("start");
      threads.add(Thread.currentThread().getName());
    }

    @Override
    public void onStep(StepRecord r, int batchInEpoch, int batchesPerEpoch) {
      heard.add("step " + r.step());
      threads.add(Thread.currentThread().getName());
    }

    @Override
    public void onEpoch(int epoch, double trainLoss, double testAccuracy) {
      heard.add("epoch " + epoch);
    }
  }

  @Test
  void eventsShouldArriveInOrderOffTheTrainingThreadAndAllByFlush() {
    Recording r = new Recording();
    try (ListenerThread t = new ListenerThread(r)) {
      t.onStart(new RunListener.Start(TrainConfig.defaults(), 1, 10, List.of(), "data"));
      for (int i = 0; i < 10; i++) {
        t.onStep(step(i), i + 1, 10);
      }
      t.onEpoch(0, 0.5, 0.9);
      t.flush();
      List<String> expected = new ArrayList<>(List.of("start"));
      for (int i = 0; i < 10; i++) {
        expected.add("step " + i);
      }
      expected.add("epoch 0");
      assertThat(r.heard).containsExactlyElementsOf(expected);
      assertThat(r.threads.get(0)).isEqualTo(Thread.currentThread().getName());
    }
  }

  @Test
  void pendingStepsShouldReachTheListenerThreadWithoutAFlush() throws InterruptedException {
    Recording r = new Recording();
    try (ListenerThread t = new ListenerThread(r)) {
      t.onStep(step(0), 1, 1);
      for (int i = 0; i < 200 && r.heard.isEmpty(); i++) {
        Thread.sleep(10);
      }
      assertThat(r.heard).containsExactly("step 0");
      assertThat(r.threads).containsExactly("cohort-listener");
    }
  }

  @Test
  void aListenersFailureShouldReachTheTrainingThread() {
    RunListener failing =
        new RunListener() {
          @Override
          public void onStep(StepRecord r, int batchInEpoch, int batchesPerEpoch) {
            throw new IllegalStateException("disk full");
          }
        };
    ListenerThread t = new ListenerThread(failing);
    t.onStep(step(0), 1, 1);
    assertThatThrownBy(t::flush).isInstanceOf(IllegalStateException.class).hasMessage("disk full");
    assertThatThrownBy(() -> t.onStep(step(1), 2, 2)).hasMessage("disk full");
    assertThatThrownBy(t::close).hasMessage("disk full");
  }

  @Test
  void aSlowListenerShouldHoldTrainingBackRatherThanQueueWithoutBound() {
    Recording r = new Recording();
    try (ListenerThread t = new ListenerThread(r)) {
      for (int i = 0; i < 3 * ListenerThread.MAX_PENDING; i++) {
        t.onStep(step(i), 1, 1);
      }
      // Whatever the listener thread has not drained, the training thread drained itself.
      assertThat(r.heard.size()).isGreaterThanOrEqualTo(2 * ListenerThread.MAX_PENDING);
    }
    assertThat(r.heard).hasSize(3 * ListenerThread.MAX_PENDING);
  }

  @Test
  void stepsAfterCloseShouldBeRefused() {
    ListenerThread t = new ListenerThread(new Recording());
    t.close();
    assertThatThrownBy(() -> t.onStep(step(0), 1, 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }
}
