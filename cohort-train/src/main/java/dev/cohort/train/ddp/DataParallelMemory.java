package dev.cohort.train.ddp;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.memory.WorkerMemory;
import dev.cohort.train.metrics.MemoryReport;
import java.util.ArrayList;
import java.util.List;

/**
 * Every worker's memory in data parallelism, the way the ZeRO paper counts it: parameters,
 * gradients and the optimizer's state (fp32 Adam: 4Ψ + 4Ψ + 8Ψ bytes, ZeRO-1: 4Ψ + 4Ψ + 8Ψ/N), and
 * the communication buffers. Tracked from what the worker allocated (its arrays, libtorch's
 * gradients, the optimizer's state, the buckets or the flat vector), predicted from Ψ, N and the
 * ZeRO stage alone. Activations are not tracked here (0): DJL's blocks hold them.
 */
final class DataParallelMemory {
  private DataParallelMemory() {}

  /** Gathers every worker's figures. Collective over {@code pg}. */
  static MemoryReport gather(
      ProcessGroup pg, TrainConfig cfg, ModelState state, StepRunner.Parts parts) {
    long parameters = 0;
    long gradients = 0;
    for (ModelState.Entry e : state.parameters()) {
      Parameter p = e.parameter();
      parameters += p.getArray().size() * Float.BYTES;
      try (NDArray g = p.getArray().getGradient()) {
        gradients += g.size() * Float.BYTES;
      }
    }
    long optimizer =
        parts.optimizer().state().values().stream().mapToLong(s -> (long) s.length * 4).sum();
    long buffers =
        parts.sharded() != null
            ? parts.sharded().bufferBytes()
            : parts.gradients().bucketBytes().stream().mapToLong(Integer::longValue).sum();
    long[] all =
        pg.allGather(
            new long[] {parameters, gradients, optimizer, buffers, PeakMemory.ofThisProcess()});
    List<MemoryReport.Worker> workers = new ArrayList<>();
    for (int w = 0; w < pg.size(); w++) {
      int at = 5 * w;
      workers.add(
          new MemoryReport.Worker(
              w,
              List.of(0),
              predicted(cfg, state.parameterElements(), pg.size(), w),
              new WorkerMemory(all[at], all[at + 1], all[at + 2], 0, all[at + 3]),
              all[at + 4]));
    }
    return new MemoryReport(0, workers);
  }

  /**
   * What worker {@code rank} of {@code n} holds for {@code psi} parameters, by the formula: with
   * ZeRO-1 the state of its shard, {@code ceil(psi / n)} parameters but for the last shards, which
   * the padding shortens.
   */
  static WorkerMemory predicted(TrainConfig cfg, long psi, int n, int rank) {
    long shard = (psi + n - 1) / n;
    long mine = Math.max(0, Math.min(psi, (rank + 1) * shard) - rank * shard);
    long stateFloats = cfg.optimizerStateFloatsPerParameter();
    boolean sharded = cfg.zero() == 1;
    return new WorkerMemory(
        4 * psi,
        4 * psi,
        4 * stateFloats * (sharded ? mine : psi),
        0,
        4 * (sharded ? n * shard : psi));
  }
}
