package dev.cohort.train.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsCsvTest {

  private static StepRecord step(int i) {
    return new StepRecord(
        i,
        i / 10,
        2.5f - i * 0.01f,
        64,
        1_234_000L + i,
        20_000_000L,
        3_000_500L,
        499_999L,
        250_000L,
        25_000_000L + i * 1000L);
  }

  @Test
  void aWrittenFileShouldReadBackStepByStepToTheMicrosecond(@TempDir Path dir) throws IOException {
    Path file = dir.resolve(MetricsCsv.FILE);
    List<StepRecord> steps = new ArrayList<>();
    try (MetricsCsv csv = MetricsCsv.create(file)) {
      for (int i = 0; i < 25; i++) {
        steps.add(step(i));
        csv.write(step(i));
      }
    }
    assertThat(Files.readAllLines(file).get(0))
        .isEqualTo(MetricsCsv.HEADER)
        .isEqualTo(
            "step,epoch,loss,samples,data_ms,forward_backward_ms,communication_ms,"
                + "wait_ms,optimizer_ms,other_ms,step_ms");
    List<StepRecord> read = MetricsCsv.read(file);
    assertThat(read).hasSize(25);
    assertThat(read.get(3))
        .isEqualTo(
            new StepRecord(
                3,
                0,
                2.47f,
                64,
                1_234_000L,
                20_000_000L,
                3_001_000L,
                500_000L,
                250_000L,
                25_003_000L));
    assertThat(MetricsCsv.steps(file)).isEqualTo(25);
  }

  @Test
  void millisecondsReadBackShouldEqualParsingTheWrittenText(@TempDir Path dir) throws IOException {
    Path file = dir.resolve(MetricsCsv.FILE);
    Random random = new Random(3);
    try (MetricsCsv csv = MetricsCsv.create(file)) {
      for (int i = 0; i < 1000; i++) {
        long ns = (long) (random.nextDouble() * 5e10);
        csv.write(new StepRecord(i, 0, 1f, 1, ns, ns / 3, ns / 7, ns / 11, ns / 13, ns));
      }
    }
    List<String> lines = Files.readAllLines(file);
    List<StepRecord> read = MetricsCsv.read(file);
    for (int i = 0; i < read.size(); i++) {
      String[] f = lines.get(i + 1).split(",");
      StepRecord r = read.get(i);
      assertThat(
              new double[] {
                r.dataMs(), r.computeMs(), r.commMs(), r.waitMs(), r.optimizerMs(), r.totalMs()
              })
          .containsExactly(
              Double.parseDouble(f[4]),
              Double.parseDouble(f[5]),
              Double.parseDouble(f[6]),
              Double.parseDouble(f[7]),
              Double.parseDouble(f[8]),
              Double.parseDouble(f[10]));
      assertThat(Double.parseDouble(f[9])).isEqualTo(r.otherNanos() / 1e6, within(1e-3));
    }
  }

  @Test
  void columnsShouldBeFoundByTheirHeaderNamesInAnyOrder(@TempDir Path dir) throws IOException {
    Path file = dir.resolve(MetricsCsv.FILE);
    Files.writeString(
        file,
        "step_ms,extra,wait_ms,step,epoch,loss,samples,data_ms,"
            + "forward_backward_ms,communication_ms,optimizer_ms\n"
            + "9.5,x,0.25,4,1,0.5,32,1.0,6.0,2.0,0.125\n");
    assertThat(MetricsCsv.read(file))
        .containsExactly(
            new StepRecord(
                4,
                1,
                0.5f,
                32,
                1_000_000L,
                6_000_000L,
                2_000_000L,
                250_000L,
                125_000L,
                9_500_000L));
  }

  @Test
  void appendingShouldContinueAfterTheStepsAlreadyThere(@TempDir Path dir) throws IOException {
    Path file = dir.resolve(MetricsCsv.FILE);
    try (MetricsCsv csv = MetricsCsv.create(file)) {
      csv.write(step(0));
    }
    try (MetricsCsv csv = MetricsCsv.append(file)) {
      csv.write(step(1));
    }
    assertThat(MetricsCsv.read(file)).extracting(StepRecord::step).containsExactly(0, 1);
  }

  @Test
  void aMalformedLineShouldBeNamedWithItsFileAndLineNumber(@TempDir Path dir) throws IOException {
    Path file = dir.resolve(MetricsCsv.FILE);
    Files.writeString(file, MetricsCsv.HEADER + "\n" + MetricsCsv.line(step(0)) + "\n57,1,0.2\n");
    assertThatThrownBy(() -> MetricsCsv.read(file))
        .isInstanceOf(IOException.class)
        .hasMessage(file + " line 3: 3 fields where the header names 11");
    Files.writeString(file, MetricsCsv.HEADER + "\n1,0,0.5,64,abc,1,1,1,1,1,1\n");
    assertThatThrownBy(() -> MetricsCsv.read(file))
        .hasMessage(file + " line 2: data_ms is 'abc', not a number");
  }

  @Test
  void aMissingColumnShouldBeNamed(@TempDir Path dir) throws IOException {
    Path file = dir.resolve(MetricsCsv.FILE);
    Files.writeString(file, "step,epoch,loss\n1,0,0.5\n");
    assertThatThrownBy(() -> MetricsCsv.read(file))
        .hasMessageStartingWith(file + " line 1: no column samples in the header");
  }

  @Test
  void aFileNotYetWrittenShouldHaveNoSteps(@TempDir Path dir) throws IOException {
    assertThat(MetricsCsv.steps(dir.resolve(MetricsCsv.FILE))).isZero();
  }

  @Test
  void aResumedRunShouldDropTheStepsItRedoesAndALineCutShort(@TempDir Path dir) throws IOException {
    Path file = dir.resolve(MetricsCsv.FILE);
    try (MetricsCsv csv = MetricsCsv.create(file)) {
      for (int step = 0; step < 25; step++) {
        csv.write(new StepRecord(step, 0, 0.5f, 32, 1, 2, 3, 4, 5, 15));
      }
    }
    Files.writeString(file, "25,0,0.5", java.nio.file.StandardOpenOption.APPEND); // killed mid-line
    assertThat(MetricsCsv.reached(file)).isEqualTo(25);
    try (MetricsCsv csv = MetricsCsv.appendFrom(file, 20)) {
      for (int step = 20; step < 30; step++) {
        csv.write(new StepRecord(step, 0, 0.25f, 32, 1, 2, 3, 4, 5, 15));
      }
    }
    List<StepRecord> steps = MetricsCsv.read(file);
    assertThat(steps).extracting(StepRecord::step).containsExactlyElementsOf(range(0, 30));
    assertThat(steps.get(19).loss()).isEqualTo(0.5f);
    assertThat(steps.get(20).loss()).isEqualTo(0.25f);
  }

  @Test
  void aResumedFileOfAnOlderVersionShouldBeRewrittenInTodaysColumns(@TempDir Path dir)
      throws IOException {
    Path file = dir.resolve(MetricsCsv.FILE);
    Files.writeString(
        file,
        "step,epoch,loss,samples,data_ms,forward_backward_ms,communication_ms,wait_ms,"
            + "optimizer_ms,step_ms\n"
            + "0,0,0.5,32,1.0,6.0,2.0,0.25,0.125,10.0\n"
            + "1,0,0.4,32,1.0,6.0,2.0,0.25,0.125,10.0\n");
    try (MetricsCsv csv = MetricsCsv.appendFrom(file, 1)) {
      csv.write(new StepRecord(1, 0, 0.25f, 32, 1, 2, 3, 4, 5, 15));
    }
    assertThat(Files.readAllLines(file))
        .containsExactly(
            MetricsCsv.HEADER,
            "0,0,0.500000,32,1.000,6.000,2.000,0.250,0.125,0.625,10.000",
            "1,0,0.250000,32,0.000,0.000,0.000,0.000,0.000,0.000,0.000");
  }

  private static List<Integer> range(int from, int to) {
    List<Integer> r = new ArrayList<>();
    for (int i = from; i < to; i++) {
      r.add(i);
    }
    return r;
  }
}
