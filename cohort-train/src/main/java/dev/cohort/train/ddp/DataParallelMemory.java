package dev.cohort.train.ddp;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.memory.ByteSize;
import dev.cohort.train.memory.WorkerMemory;
import dev.cohort.train.metrics.MemoryReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Every worker's memory in data parallelism, the way the ZeRO paper counts it: parameters,
 * gradients and the optimizer's state (fp32 Adam: 4Ψ + 4Ψ + 8Ψ bytes; ZeRO-1 shards the state,
 * ZeRO-2 the gradients too, ZeRO-3 the parameters too), and the communication buffers. Tracked from
 * what the worker allocated (its arrays, libtorch's gradients, the optimizer's state, the buckets,
 * the flat vector or the segment buffers), predicted from Ψ, N, the ZeRO stage and (for stages 2
 * and 3, whose buffers hold one segment) the largest segment alone. Activations are not tracked
 * here (0): DJL's blocks hold them.
 */
final class DataParallelMemory {
  private DataParallelMemory() {}

  /** Gathers every worker's figures. Collective over {@code pg}. */
  static MemoryReport gather(ProcessGroup pg, TrainConfig cfg, ModelState state, StepParts parts) {
    WorkerMemory mine = tracked(state, parts);
    long[] all =
        pg.allGather(
            new long[] {
              mine.parameters(),
              mine.gradients(),
              mine.optimizer(),
              mine.buffers(),
              PeakMemory.ofThisProcess()
            });
    long largest = parts.zero() == null ? 0 : parts.zero().layout().largestSegment();
    List<MemoryReport.Worker> workers = new ArrayList<>();
    for (int w = 0; w < pg.size(); w++) {
      int at = 5 * w;
      workers.add(
          new MemoryReport.Worker(
              w,
              List.of(0),
              predicted(cfg, state.parameterElements(), pg.size(), w, largest),
              new WorkerMemory(all[at], all[at + 1], all[at + 2], 0, all[at + 3]),
              all[at + 4]));
    }
    return new MemoryReport(cfg.memoryBudget(), workers);
  }

  /**
   * What rank 0 says when training starts with ZeRO: the shard it holds, and what that saves. For
   * example "ZeRO-2: each worker holds a shard of 117,573 of 235,146 parameters: the optimizer's
   * state (940.6 KiB) and gradients (459.3 KiB); the whole model's: 1.8 MiB and 918.5 KiB".
   */
  static String zeroLine(TrainConfig cfg, ModelState state, StepParts parts) {
    WorkerMemory mine = tracked(state, parts);
    long psi = state.parameterElements();
    long stateBytes = psi * cfg.optimizerStateFloatsPerParameter() * 4;
    long shard =
        parts.zero() != null
            ? parts.zero().layout().shardElements()
            : parts.sharded().shardElements();
    StringBuilder line =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "ZeRO-%d: each worker holds a shard of %,d of %,d parameters: the optimizer's"
                    + " state (%s)",
                cfg.zero(),
                shard,
                psi,
                ByteSize.format(mine.optimizer())));
    StringBuilder whole = new StringBuilder(ByteSize.format(stateBytes));
    if (cfg.zero() >= 2) {
      line.append(cfg.zero() == 3 ? ", gradients" : " and gradients")
          .append(" (")
          .append(ByteSize.format(mine.gradients()))
          .append(')');
      whole.append(cfg.zero() == 3 ? ", " : " and ").append(ByteSize.format(4 * psi));
    }
    if (cfg.zero() == 3) {
      line.append(" and parameters (").append(ByteSize.format(mine.parameters())).append(')');
      whole.append(" and ").append(ByteSize.format(4 * psi));
    }
    return line.append("; the whole model's: ").append(whole).toString();
  }

  /** What this worker allocated while training. */
  private static WorkerMemory tracked(ModelState state, StepParts parts) {
    long optimizer =
        parts.optimizer().state().values().stream().mapToLong(s -> (long) s.length * 4).sum();
    ShardedStep zero = parts.zero();
    if (zero != null) {
      ShardedParameters params = zero.parameters();
      boolean three = params.storage() != null;
      return new WorkerMemory(
          three ? params.storage().byteSize() : 4 * state.parameterElements(),
          zero.gradients().gradientBytes(),
          optimizer,
          0,
          zero.gradients().bufferBytes() + params.gatheredBytes());
    }
    long parameters = 0;
    long gradients = 0;
    for (ModelState.Entry e : state.parameters()) {
      Parameter p = e.parameter();
      parameters += p.getArray().size() * Float.BYTES;
      try (NDArray g = p.getArray().getGradient()) {
        gradients += g.size() * Float.BYTES;
      }
    }
    long buffers =
        parts.sharded() != null
            ? parts.sharded().bufferBytes()
            : parts.gradients().bucketBytes().stream().mapToLong(Integer::longValue).sum();
    return new WorkerMemory(parameters, gradients, optimizer, 0, buffers);
  }

  /**
   * Why {@code cfg}'s memory budget is too small for this model on {@code n} workers, with the ZeRO
   * stages that fit; empty when it fits (or there is no budget). The first rank holds the most (the
   * padding shortens the last shards), so its figures are the plan's. Activations are not counted:
   * DJL's blocks hold them.
   *
   * @param largestSegment the parameters of the largest segment ZeRO-2 and 3 would cut the model
   *     into; -1 when they cannot cut it
   */
  static Optional<String> refusal(TrainConfig cfg, long psi, int n, long largestSegment) {
    long budget = cfg.memoryBudget();
    if (budget <= 0) {
      return Optional.empty();
    }
    WorkerMemory asked = predicted(cfg, psi, n, 0, Math.max(0, largestSegment));
    if (asked.total() <= budget) {
      return Optional.empty();
    }
    StringBuilder why =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "--memory-budget %s is too small for %s with %s on %d workers: each holds %s"
                    + " (parameters %s, gradients %s, optimizer %s, buffers %s; activations are"
                    + " not counted).",
                ByteSize.format(budget),
                cfg.model(),
                cfg.zero() == 0 ? "plain data parallelism" : "--zero " + cfg.zero(),
                n,
                ByteSize.format(asked.total()),
                ByteSize.format(asked.parameters()),
                ByteSize.format(asked.gradients()),
                ByteSize.format(asked.optimizer()),
                ByteSize.format(asked.buffers())));
    List<String> fitting = new ArrayList<>();
    for (int stage = 1; stage <= 3; stage++) {
      boolean possible =
          stage == 1 ? cfg.optimizerStateFloatsPerParameter() > 0 : largestSegment >= 0;
      if (stage == cfg.zero() || !possible) {
        continue;
      }
      TrainConfig other;
      try {
        other = cfg.toBuilder().zero(stage).build();
      } catch (IllegalArgumentException e) {
        continue; // the run's other options do not go with that stage
      }
      long total = predicted(other, psi, n, 0, Math.max(0, largestSegment)).total();
      if (total <= budget) {
        fitting.add("--zero " + stage + " (" + ByteSize.format(total) + ")");
      }
    }
    why.append(
        fitting.isEmpty()
            ? " No ZeRO stage fits either: raise the budget, or use more workers"
            : " Fits: " + String.join(", ", fitting));
    return Optional.of(why.toString());
  }

  /**
   * What worker {@code rank} of {@code n} holds for {@code psi} parameters, by the formula. A
   * sharded worker holds {@code ceil(psi / n)} values of what is sharded, but for the last shards,
   * which the padding shortens; the optimizer's state covers those it updates.
   *
   * @param largestSegment ZeRO-2 and 3: the parameters of the largest segment, which the segment
   *     buffer (and ZeRO-3's gathered copy) holds
   */
  static WorkerMemory predicted(TrainConfig cfg, long psi, int n, int rank, long largestSegment) {
    long shard = (psi + n - 1) / n;
    long mine = Math.max(0, Math.min(psi, (rank + 1) * shard) - rank * shard);
    long state = 4 * cfg.optimizerStateFloatsPerParameter();
    return switch (cfg.zero()) {
      case 0 -> new WorkerMemory(4 * psi, 4 * psi, state * psi, 0, 4 * psi);
      case 1 -> new WorkerMemory(4 * psi, 4 * psi, state * mine, 0, 4 * n * shard);
      case 2 -> new WorkerMemory(4 * psi, 4 * shard, state * mine, 0, 4 * largestSegment);
      default -> new WorkerMemory(4 * shard, 4 * shard, state * mine, 0, 8 * largestSegment);
    };
  }
}
