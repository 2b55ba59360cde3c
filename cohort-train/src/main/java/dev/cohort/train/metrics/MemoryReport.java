package dev.cohort.train.metrics;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.cohort.checkpoint.PrivateFiles;
import dev.cohort.train.memory.ByteSize;
import dev.cohort.train.memory.WorkerMemory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Each worker's memory in a run, as rank 0 writes it to {@value #FILE}: what the plan predicted
 * before training, what the run tracked (the most it held of each kind), and the process's peak
 * resident memory, which also holds what neither counts (the JVM, libtorch, autograd's own saved
 * tensors).
 *
 * @param budgetBytes the per-worker budget the plan was checked against (0: none)
 * @param workers by world rank
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record MemoryReport(long budgetBytes, List<Worker> workers) {
  /** The file in a run folder. */
  public static final String FILE = "memory.json";

  /**
   * One worker.
   *
   * @param rank its world rank
   * @param stages the pipeline stages it holds
   * @param predicted the plan's figures (null: no plan, for split layers)
   * @param tracked the run's: parameters, gradients and optimizer state as allocated, and the most
   *     activations and transfer buffers held in any step
   * @param peakRssBytes the process's peak resident memory (-1 where unknown)
   */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Worker(
      int rank,
      List<Integer> stages,
      @JsonInclude(JsonInclude.Include.NON_NULL) WorkerMemory predicted,
      WorkerMemory tracked,
      long peakRssBytes) {}

  public MemoryReport {
    workers = List.copyOf(workers);
  }

  /** Writes {@code file} (owner-only) as indented JSON. */
  public void write(Path file) throws IOException {
    PrivateFiles.restrict(file);
    RunJson.write(this, file);
  }

  public static MemoryReport read(Path file) throws IOException {
    return RunJson.read(file, MemoryReport.class);
  }

  /** The end-of-run table: one line per worker, MiB. */
  public String table() {
    StringBuilder sb =
        new StringBuilder(
            "memory per worker, MiB: tracked (predicted)"
                + (budgetBytes > 0 ? ", budget " + ByteSize.format(budgetBytes) : "")
                + System.lineSeparator()
                + "  rank  stages  parameters  gradients  optimizer  activations    buffers"
                + "        total  peak RSS"
                + System.lineSeparator());
    for (Worker w : workers) {
      WorkerMemory t = w.tracked();
      WorkerMemory p = w.predicted();
      String planned = p == null ? "-" : ByteSize.mebibytes(p.activations());
      String plannedTotal = p == null ? "-" : ByteSize.mebibytes(p.total());
      sb.append(
          String.format(
              Locale.ROOT,
              "  %4d  %6s  %10s  %9s  %9s  %11s  %9s  %11s  %8s%n",
              w.rank(),
              w.stages().toString().replace(" ", ""),
              ByteSize.mebibytes(t.parameters()),
              ByteSize.mebibytes(t.gradients()),
              ByteSize.mebibytes(t.optimizer()),
              ByteSize.mebibytes(t.activations()) + " (" + planned + ")",
              ByteSize.mebibytes(t.buffers()),
              ByteSize.mebibytes(t.total()) + " (" + plannedTotal + ")",
              w.peakRssBytes() < 0 ? "?" : ByteSize.mebibytes(w.peakRssBytes())));
    }
    return sb.toString();
  }
}
