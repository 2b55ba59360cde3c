package dev.cohort.train.pipeline;

import dev.cohort.train.Pipelining;
import dev.cohort.train.memory.ByteSize;
import dev.cohort.train.memory.WorkerMemory;
import dev.cohort.train.model.gpt.GptActivations;
import dev.cohort.train.model.gpt.GptConfig;
import dev.cohort.train.pipeline.schedule.Action;
import dev.cohort.train.pipeline.schedule.Schedule;
import dev.cohort.train.pipeline.schedule.Schedules;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The memory each rank of a pipeline will hold, predicted from the sizes alone before anything
 * starts: its stages' parameters, gradients and optimizer state, and the activations of the
 * micro-batches its schedule has in flight at once ({@link GptActivations} per block, walked
 * through the rank's actions: a forward adds its stage's, a backward frees them), plus the transfer
 * buffers a step holds. The same quantities are tracked while training ({@link
 * PipelineRank.Outcome}), so the prediction is checked against the run.
 *
 * @param name the model's name, for messages ({@code gpt})
 * @param model the transformer's sizes
 * @param pipelining stages, schedule, micro-batches and virtual stages
 * @param rows windows per micro-batch ({@code --batch})
 * @param optimizer "sgd" or "adam"
 * @param momentum SGD's momentum (0: no state)
 */
public record PipelineMemory(
    String name,
    GptConfig model,
    Pipelining pipelining,
    int rows,
    String optimizer,
    float momentum) {

  /**
   * Each pipeline rank's memory, by rank, with the stages as planned ({@link
   * StagePartition#planned}).
   */
  public List<WorkerMemory> perRank() {
    Pipelining p = pipelining;
    return plan(
        model,
        Schedules.byName(p.schedule(), p.stages(), p.virtualStages(), p.microBatches()),
        StagePartition.planned(p, model.blockParameters()),
        rows,
        optimizer,
        momentum);
  }

  /**
   * Each rank's memory for {@code model} cut as {@code partition}, running {@code schedule} on
   * micro-batches of {@code rows} windows.
   */
  public static List<WorkerMemory> plan(
      GptConfig model,
      Schedule schedule,
      StagePartition partition,
      int rows,
      String optimizer,
      float momentum) {
    long[] blocks = new GptActivations(model).blockActivationBytes(rows);
    long[] parameters = model.blockParameters();
    int stages = partition.stages();
    long[] activations = new long[stages];
    long[] stageParameters = new long[stages];
    for (int s = 0; s < stages; s++) {
      for (int i = partition.start(s); i < partition.end(s); i++) {
        activations[s] += blocks[i];
        stageParameters[s] += parameters[i];
      }
    }
    activations[stages - 1] += new GptActivations(model).lossActivationBytes(rows);
    long boundary = 4L * rows * model.context() * model.width(); // hidden states between stages
    List<WorkerMemory> out = new ArrayList<>();
    for (int r = 0; r < schedule.layout().ranks(); r++) {
      long params = 0;
      for (int s : schedule.layout().stagesOf(r)) {
        params += 4 * stageParameters[s];
      }
      long held = 0;
      long peak = 0;
      long buffers = 0;
      for (Action a : schedule.of(r)) {
        switch (a.type()) {
          case FORWARD -> {
            held += activations[a.stage()];
            peak = Math.max(peak, held);
          }
          case BACKWARD -> {
            held -= activations[a.stage()];
            boolean nextHere =
                a.stage() != stages - 1 && schedule.layout().rankOf(a.stage() + 1) == r;
            buffers += nextHere ? boundary : 0; // the next stage's input gradient, kept
          }
          case RECV_ACTIVATION, RECV_GRADIENT, SEND_GRADIENT -> buffers += boundary;
          default -> {}
        }
      }
      long state = optimizer.equals("adam") ? 2 * params : momentum > 0 ? params : 0;
      out.add(new WorkerMemory(params, params, state, peak, buffers));
    }
    return out;
  }

  /** The rank that needs the most, and what it needs. */
  public WorkerMemory fullest() {
    WorkerMemory most = null;
    for (WorkerMemory w : perRank()) {
      most = most == null || w.total() > most.total() ? w : most;
    }
    return most;
  }

  /** How this plan is written on the command line (without the model). */
  public String options() {
    Pipelining p = pipelining;
    return "--pipeline "
        + p.stages()
        + " --schedule "
        + p.schedule()
        + (p.virtualStages() > 1 ? " --virtual-stages " + p.virtualStages() : "")
        + " --micro-batches "
        + p.microBatches()
        + " --batch "
        + rows;
  }

  /** "rank 0 needs 41.3 MiB (parameters ...)": the fullest rank. */
  public String describeFullest() {
    List<WorkerMemory> ranks = perRank();
    int worst = 0;
    for (int r = 1; r < ranks.size(); r++) {
      worst = ranks.get(r).total() > ranks.get(worst).total() ? r : worst;
    }
    return "rank " + worst + " of each pipeline needs " + ranks.get(worst).describe();
  }

  /**
   * Why this plan cannot train under {@code budget} bytes per worker, with the plans near it that
   * can (1F1B instead of GPipe, more micro-batches of fewer windows for the same global batch, more
   * stages); empty if it fits.
   */
  public Optional<String> refusal(long budget) {
    WorkerMemory need = fullest();
    if (need.total() <= budget) {
      return Optional.empty();
    }
    Pipelining p = pipelining;
    List<PipelineMemory> fitting = new ArrayList<>();
    if (p.schedule().equals("gpipe")) {
      firstFitting(List.of(with(p.stages(), "1f1b", p.microBatches(), 1, rows)), budget)
          .ifPresent(fitting::add);
    }
    List<PipelineMemory> finer = new ArrayList<>();
    for (int k = 2; k <= rows; k *= 2) {
      if (rows % k == 0) {
        finer.add(
            with(p.stages(), p.schedule(), p.microBatches() * k, p.virtualStages(), rows / k));
      }
    }
    firstFitting(finer, budget).ifPresent(fitting::add);
    List<PipelineMemory> deeper = new ArrayList<>();
    int blocks = model.blockParameters().length;
    for (int stages = p.stages() + 1; stages * p.virtualStages() <= blocks; stages++) {
      deeper.add(with(stages, p.schedule(), p.microBatches(), p.virtualStages(), rows));
    }
    firstFitting(deeper, budget).ifPresent(fitting::add);
    StringBuilder why =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "--memory-budget %s is too small for %s with %s: %s.",
                ByteSize.format(budget),
                name,
                options(),
                describeFullest()));
    if (fitting.isEmpty()) {
      why.append(
          " No plan with 1F1B, more micro-batches or more stages fits either: raise the budget or"
              + " train a smaller model");
    } else {
      why.append(" Plans that fit:");
      for (int i = 0; i < fitting.size(); i++) {
        PipelineMemory f = fitting.get(i);
        why.append(i == 0 ? " " : "; ")
            .append(f.options())
            .append(" (")
            .append(ByteSize.format(f.fullest().total()))
            .append(f.pipelining.stages() != p.stages() ? ", --nproc a multiple of it" : "")
            .append(')');
      }
    }
    return Optional.of(why.toString());
  }

  /** This model and optimizer with another plan, or null where that plan is not valid. */
  private PipelineMemory with(int stages, String schedule, int micro, int virtual, int rows) {
    try {
      Pipelining p =
          new Pipelining(
              stages,
              schedule,
              micro,
              virtual,
              stages == pipelining.stages() ? pipelining.partition() : Pipelining.BY_PARAMETERS);
      Schedules.byName(schedule, stages, virtual, micro);
      return new PipelineMemory(name, model, p, rows, optimizer, momentum);
    } catch (IllegalArgumentException e) {
      return null; // e.g. interleaved with micro-batches not a multiple of the stages
    }
  }

  private static Optional<PipelineMemory> firstFitting(List<PipelineMemory> plans, long budget) {
    return plans.stream()
        .filter(java.util.Objects::nonNull)
        .filter(m -> m.fullest().total() <= budget)
        .findFirst();
  }
}
