package dev.cohort.train.pipeline;

import dev.cohort.comm.ProcessGroup;
import dev.cohort.train.Pipelining;
import dev.cohort.train.TrainConfig;
import dev.cohort.train.ddp.PeakMemory;
import dev.cohort.train.memory.WorkerMemory;
import dev.cohort.train.metrics.MemoryReport;
import dev.cohort.train.model.Models;
import dev.cohort.train.pipeline.schedule.Schedules;
import dev.cohort.train.pipeline.schedule.StageLayout;
import java.util.ArrayList;
import java.util.List;

/** Every worker's memory at the end of a run: the plan's, what it held, its peak RSS. */
final class WorkerMemories {
  private WorkerMemories() {}

  /**
   * Gathers {@code mine} from every rank of {@code world}, with the plan's figures for the model
   * cut as {@code partition}. Collective over the world.
   */
  static MemoryReport gather(
      ProcessGroup world, TrainConfig cfg, StagePartition partition, WorkerMemory mine) {
    long[] all =
        world.allGather(
            new long[] {
              mine.parameters(),
              mine.gradients(),
              mine.optimizer(),
              mine.activations(),
              mine.buffers(),
              PeakMemory.ofThisProcess()
            });
    Pipelining p = cfg.pipelining();
    List<WorkerMemory> predicted =
        PipelineMemory.plan(
            Models.gptConfig(cfg.model()),
            Schedules.byName(p.schedule(), p.stages(), p.virtualStages(), p.microBatches()),
            partition,
            cfg.batch(),
            cfg.optimizer(),
            cfg.momentum());
    StageLayout layout = new StageLayout(p.stages(), p.virtualStages());
    List<MemoryReport.Worker> workers = new ArrayList<>();
    for (int w = 0; w < world.size(); w++) {
      int at = 6 * w;
      int inPipeline = w % p.stages(); // world rank w is rank w % p of its pipeline
      workers.add(
          new MemoryReport.Worker(
              w,
              layout.stagesOf(inPipeline),
              predicted.get(inPipeline),
              new WorkerMemory(all[at], all[at + 1], all[at + 2], all[at + 3], all[at + 4]),
              all[at + 5]));
    }
    return new MemoryReport(cfg.memoryBudget(), workers);
  }
}
