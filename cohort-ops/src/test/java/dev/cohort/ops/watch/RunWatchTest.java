package dev.cohort.ops.watch;

import static dev.cohort.ops.watch.RunFolderFixture.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunWatchTest {
  @TempDir Path dir;

  @Test
  void readsWhatEachRankAddsAndLeavesHalfALineForLater() throws Exception {
    RunFolderFixture run = new RunFolderFixture(dir);
    RunWatch watch = new RunWatch(dir);
    assertThat(watch.refresh().steps()).as("no files yet").isEmpty();

    run.append(0, 1000, step(0, 2.5, 100, 10), 500 << 20, 1000);
    run.append(1, 1001, step(0, 2.4, 100, 60), 400 << 20, 900);
    run.appendRaw(1, "1002,1,0,2.1"); // rank 1 is writing its next line
    RunWatch.Update u = watch.refresh();
    assertThat(u.steps()).extracting(RunWatch.RankStep::rank).containsExactly(0, 1);
    StepPoint p = u.steps().get(1).point();
    assertThat(p.loss()).isEqualTo(2.4, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(p.waitMs()).isEqualTo(60.0);
    assertThat(p.stepMs()).isEqualTo(100.0);
    assertThat(p.rssBytes()).isEqualTo(400L << 20);
    assertThat(p.bytesSent()).isEqualTo(900);

    run.appendRaw(1, "00000,64,0.000,1.000,2.000,3.000,4.000,20.000,5,6\n");
    u = watch.refresh();
    assertThat(u.steps()).hasSize(1);
    assertThat(u.steps().get(0).point().step()).isEqualTo(1);
    assertThat(u.steps().get(0).point().loss())
        .isEqualTo(2.1, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(watch.ranks()).hasSize(2);
    assertThat(watch.ranks().get(1).points()).hasSize(2);
    assertThat(watch.refresh().steps()).as("nothing new").isEmpty();
  }

  @Test
  void aRedoneStepReplacesWhatFollowedItsCheckpointAndAFreshRunStartsOver() throws Exception {
    RunFolderFixture run = new RunFolderFixture(dir);
    RunWatch watch = new RunWatch(dir);
    for (int s = 0; s < 5; s++) {
      run.append(0, 1000 + s, step(s, 1, 10, 0), 1, 0);
    }
    watch.refresh();
    // a restart from the checkpoint of step 3 redoes steps 3 and 4
    run.append(0, 2000, step(3, 0.5, 10, 0), 1, 0);
    watch.refresh();
    assertThat(watch.ranks().get(0).points())
        .extracting(StepPoint::step)
        .containsExactly(0L, 1L, 2L, 3L);
    assertThat(watch.ranks().get(0).latest().timeMillis()).isEqualTo(2000);

    run.restart(0);
    run.append(0, 3000, step(0, 2, 10, 0), 1, 0);
    RunWatch.Update u = watch.refresh();
    assertThat(u.steps()).hasSize(1);
    assertThat(watch.ranks().get(0).points()).extracting(StepPoint::step).containsExactly(0L);
  }

  @Test
  void aFileStartedAnewIsReadAnewEvenWhenItGrewPastWhereTheOldOneWasRead() throws Exception {
    RunFolderFixture run = new RunFolderFixture(dir);
    RunWatch watch = new RunWatch(dir);
    for (int s = 0; s < 3; s++) {
      run.append(0, 1000 + s, step(s, 1, 10, 0), 1, 0);
    }
    watch.refresh();
    run.restart(0); // a fresh run in the same folder: a new file, soon longer than the old one
    for (int s = 0; s < 8; s++) {
      run.append(0, 5000 + s, step(s, 2, 10, 0), 1, 0);
    }
    RunWatch.Update u = watch.refresh();
    assertThat(u.steps()).hasSize(8);
    assertThat(watch.ranks().get(0).points()).hasSize(8);
    assertThat(watch.ranks().get(0).points().get(0).timeMillis()).isEqualTo(5000);
  }

  @Test
  void ranksBeyondTheCurrentWorldAreLeftOut() throws Exception {
    RunFolderFixture run = new RunFolderFixture(dir);
    for (int r = 0; r < 3; r++) { // a world of 3 that lost a worker and went on with 2
      run.append(r, 1000, step(0, Double.NaN, 10, 0), 1, 0);
    }
    run.config(2, 10);
    RunWatch watch = new RunWatch(dir);
    watch.refresh();
    assertThat(watch.ranks()).extracting(RankHistory::rank).containsExactly(0, 1);
    assertThat(Alerts.of(watch, 1000, false, 0)).extracting(Alert::rank).containsExactly(0, 1);
  }

  @Test
  void aLongRunsHistoryIsThinnedButItsRecentStepsStayWhole() throws Exception {
    RankHistory h = new RankHistory(0);
    int steps = 3 * RankHistory.CAP;
    for (int s = 0; s < steps; s++) {
      h.add(new StepPoint(s, s, 0, 1, 64, 0, 1, 0, 0, 0, 1, 1, 0));
    }
    assertThat(h.points().size()).isLessThanOrEqualTo(RankHistory.CAP);
    assertThat(h.points().get(0).step()).isZero();
    assertThat(h.last(RankHistory.RECENT))
        .extracting(StepPoint::step)
        .containsExactlyElementsOf(
            java.util.stream.LongStream.range(steps - RankHistory.RECENT, steps).boxed().toList());
    for (int i = 1; i < h.points().size(); i++) {
      assertThat(h.points().get(i).step()).isGreaterThan(h.points().get(i - 1).step());
    }
  }

  @Test
  void aRunWithoutStepsFilesIsReadFromItsMetricsCsv() throws Exception {
    Files.writeString(
        dir.resolve("metrics.csv"),
        "step,epoch,loss,samples,data_ms,forward_backward_ms,communication_ms,wait_ms,"
            + "optimizer_ms,other_ms,step_ms\n0,0,2.0,64,0,1,1,0,1,0,3\n1,0,1.9,64,0,1,1,0,1,0,3\n");
    RunWatch watch = new RunWatch(dir);
    watch.refresh();
    assertThat(watch.ranks()).hasSize(1);
    assertThat(watch.ranks().get(0).points()).extracting(StepPoint::loss).containsExactly(2.0, 1.9);
  }

  @Test
  void expertRoutingComesFromRankZerosMetrics() throws Exception {
    Files.writeString(
        dir.resolve("metrics.csv"),
        "step,epoch,loss,samples,data_ms,forward_backward_ms,communication_ms,wait_ms,"
            + "optimizer_ms,other_ms,step_ms,aux_loss,dropped,busiest_over_mean,expert_0,expert_1\n"
            + "0,0,2.0,64,0,1,1,0,1,0,3,0.02,5,1.5,300,100\n"
            + "1,0,1.9,64,0,1,1,0,1,0,3,0.02,0,1.1,210,190\n");
    RunWatch watch = new RunWatch(dir);
    RunWatch.Update u = watch.refresh();
    assertThat(u.experts()).hasSize(2);
    assertThat(u.experts().get(0).tokens()).containsExactly(300, 100);
    assertThat(u.experts().get(1).busiestOverMean()).isEqualTo(1.1);
    assertThat(watch.experts()).hasSize(2);
  }

  @Test
  void aFolderThatCannotBeListedIsNamed() throws Exception {
    Path notAFolder = dir.resolve("file");
    Files.writeString(notAFolder, "x");
    Files.createDirectories(dir.resolve("run"));
    Files.writeString(dir.resolve("run/ranks"), "not a folder");
    RunWatch watch = new RunWatch(dir.resolve("run"));
    assertThat(watch.refresh().steps()).isEmpty();
    Files.delete(dir.resolve("run/ranks"));
    Files.createDirectories(dir.resolve("run/ranks/rank-0.csv")); // a folder where a file belongs
    assertThatThrownBy(watch::refresh)
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("cannot read the run folder " + dir.resolve("run"));
  }
}
