package dev.cohort.lab.pipeline;

import dev.cohort.train.memory.ByteSize;
import dev.cohort.train.memory.WorkerMemory;
import java.util.List;
import java.util.Locale;

/** pipeline-memory.md: the largest model under a memory budget per stage count. */
record BudgetReport(BudgetStudy study, List<BudgetStudy.Row> rows) {

  String markdown() {
    StringBuilder md = new StringBuilder();
    md.append("# The largest model under a memory budget\n\n")
        .append(
            String.format(
                Locale.ROOT,
                "Per-worker budget %s (`--memory-budget`: parameters, gradients, Adam state,"
                    + " activations in flight and transfer buffers). Blocks of width %d, 1F1B, %d"
                    + " micro-batches of %d window(s) of 128 characters, %d steps per run."
                    + " For each stage count the plan picks the most blocks that fit; the run"
                    + " trains under the budget and reports what its fullest worker held;"
                    + " `cohort train` refuses one block more before anything starts.\n\n",
                ByteSize.format(study.budget()),
                study.width(),
                study.microBatches(),
                study.rows(),
                study.steps()))
        .append(
            "| stages | largest model | parameters | fullest worker: tracked (predicted), MiB"
                + " | of which parameters + gradients + Adam | activations | peak RSS, MiB"
                + " | step, ms |\n")
        .append("|---:|---|---:|---:|---:|---:|---:|---:|\n");
    for (BudgetStudy.Row r : rows) {
      WorkerMemory t = r.tracked();
      md.append(
          String.format(
              Locale.ROOT,
              "| %d | %s | %,d | %s (%s) | %s | %s | %s | %.0f |\n",
              r.stages(),
              r.largest(),
              r.parameters(),
              ByteSize.mebibytes(t.total()),
              ByteSize.mebibytes(r.predicted().total()),
              ByteSize.mebibytes(t.parameters() + t.gradients() + t.optimizer()),
              ByteSize.mebibytes(t.activations()),
              ByteSize.mebibytes(r.peakRssBytes()),
              r.stepMillis()));
    }
    md.append("\nOne block more, as `cohort train` refuses it:\n\n");
    for (BudgetStudy.Row r : rows) {
      md.append("- ")
          .append(r.stages())
          .append(r.stages() == 1 ? " stage: " : " stages: ")
          .append(r.refusal())
          .append('\n');
    }
    md.append(
        "\nPeak RSS also holds what the budget does not count: the JVM, libtorch's own"
            + " memory and the tensors autograd saves without an NDArray (dropout masks,"
            + " LayerNorm statistics, matmul's copies).\n");
    return md.toString();
  }
}
