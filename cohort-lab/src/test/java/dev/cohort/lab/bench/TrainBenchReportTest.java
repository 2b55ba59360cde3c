package dev.cohort.lab.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.train.metrics.RunSummary;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainBenchReportTest {

  private static TrainBenchReport report(Path out) {
    TrainBenchReport r =
        new TrainBenchReport(
            new TrainBench.Options(List.of("mlp"), List.of(1, 2), 64, 300, 3, null, null, out));
    for (int rep = 0; rep < 3; rep++) {
      r.cohort("mlp", 1, new TrainBenchReport.CohortRun(20_000 + rep, times(3.0 + rep, 0.06)));
      r.peer("mlp", 1, new TrainBenchReport.PeerRun(30_000, peer(2.0)));
      r.cohort("mlp", 2, new TrainBenchReport.CohortRun(26_000, times(5.0, 0.1)));
      r.peer("mlp", 2, new TrainBenchReport.PeerRun(25_000, peer(5.1)));
      r.overlap("overlapped", new TrainBenchReport.CohortRun(2_000, times(40, 0.5)));
      r.overlap("sequential", new TrainBenchReport.CohortRun(1_900, times(42, 0.5)));
    }
    return r;
  }

  private static RunSummary.StepTimes times(double step, double other) {
    return new RunSummary.StepTimes(0.1, step / 2, 0.2, 0.3, 0.1, other, step);
  }

  private static TrainBenchReport.PeerPhases peer(double step) {
    return new TrainBenchReport.PeerPhases(0.1, step / 4, step / 2, step / 4 - 0.1, step);
  }

  @Test
  void theReportShouldHaveBothBreakdownsTheOverlapStudyAndMedians(@TempDir Path out)
      throws IOException {
    report(out).write(new PrintStream(PrintStream.nullOutputStream()));
    String md = Files.readString(out.resolve("train.md"));
    assertThat(md)
        .contains("| mlp | 1 | 20,001 | 30,000 | 0.67x | 1.00x | 100% | 1.00x |")
        .contains("| mlp | 2 | 26,000 | 25,000 | 1.04x | 1.30x | 65% | 0.83x |")
        .contains("| mlp | 1 | 0.100 | 2.000 | 0.200 | 0.300 | 0.100 | 0.060 | 4.000 | 98.5% |")
        .contains("| mlp | 2 | 0.100 | 1.275 | 2.550 | 1.175 | 5.100 |")
        .contains("overlap buys +5.3%")
        .doesNotContain("Before and after");
    JsonNode json = new ObjectMapper().readTree(out.resolve("train.json").toFile());
    assertThat(json.at("/mlp~1np2/ratio").asDouble()).isEqualTo(26_000 / 25_000.0);
    assertThat(json.at("/mlp~1np1/cohort_step_ms/other").asDouble()).isEqualTo(0.06);
    assertThat(json.at("/mlp~1np1/ddp_step_ms/backward").asDouble()).isEqualTo(1.0);
  }

  @Test
  void aFrozenEarlierRunShouldGiveABeforeAndAfterTable(@TempDir Path out) throws IOException {
    Files.writeString(
        out.resolve(TrainBenchReport.BEFORE),
        "{\"note\": \"commit abc\", \"mlp/np2\": {\"ratio\": 0.72, \"cohort_step_ms\": "
            + "{\"step\": 7.5}}, \"overlap_study\": {}}");
    report(out).write(new PrintStream(PrintStream.nullOutputStream()));
    String md = Files.readString(out.resolve("train.md"));
    String table = md.substring(md.indexOf("## Before and after"));
    assertThat(table)
        .contains("Before: commit abc")
        .contains("| mlp | 2 | 0.72x | 1.04x | 7.500 | 5.000 |")
        .doesNotContain("| mlp | 1 |"); // not in the earlier run: no row
  }
}
