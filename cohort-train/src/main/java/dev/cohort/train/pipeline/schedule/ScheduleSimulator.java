package dev.cohort.train.pipeline.schedule;

import dev.cohort.train.pipeline.schedule.Action.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a schedule on paper before it runs for real: first the checks that need no clock ({@link
 * ScheduleChecks}), then every rank's list in order, each action starting when its rank is free and
 * its input is there. Sends do not block; a receive waits for its send plus the transfer time. If
 * at some point no rank can go on, the schedule would hang, and the simulator says which rank waits
 * at which action for what.
 *
 * <p>The same run times the step from per-stage costs: the makespan, each rank's busy time, the
 * bubble (the share of the step the ranks are idle), and the most micro-batches whose activations a
 * rank holds at once.
 */
public final class ScheduleSimulator {
  private ScheduleSimulator() {}

  /**
   * What each action costs, in any unit (milliseconds for predictions).
   *
   * @param forward forward time of each stage, by stage
   * @param backward backward time of each stage, by stage
   * @param transfer time from a send's post to its receive's end
   * @param step optimizer step time of each stage, by stage
   */
  public record Costs(double[] forward, double[] backward, double transfer, double[] step) {
    public Costs {
      if (forward.length != backward.length || forward.length != step.length) {
        throw new IllegalArgumentException(
            "costs need one forward, backward and step time per stage; got "
                + forward.length
                + ", "
                + backward.length
                + " and "
                + step.length);
      }
      forward = forward.clone();
      backward = backward.clone();
      step = step.clone();
    }

    /** The same forward and backward time on every stage, no step time. */
    public static Costs uniform(int stages, double forward, double backward, double transfer) {
      double[] f = new double[stages];
      double[] b = new double[stages];
      Arrays.fill(f, forward);
      Arrays.fill(b, backward);
      return new Costs(f, b, transfer, new double[stages]);
    }
  }

  /**
   * A simulated step.
   *
   * @param makespan the step's time, to the last rank's end
   * @param busy each rank's time in forwards, backwards and steps
   * @param peakInFlight each rank's most micro-batches forwarded and not yet backwarded, over its
   *     stages (activation memory, in stage-micro-batches)
   */
  public record Result(double makespan, double[] busy, int[] peakInFlight) {
    /** The share of the step the ranks are idle, averaged over ranks. */
    public double bubble() {
      double idle = 0;
      for (double b : busy) {
        idle += makespan - b;
      }
      return makespan == 0 ? 0 : idle / (busy.length * makespan);
    }
  }

  /**
   * Checks {@code s} with every action costing 1 (transfers free).
   *
   * @throws ScheduleException naming the first offending action
   */
  public static Result check(Schedule s) {
    return run(s, Costs.uniform(s.layout().stages(), 1, 1, 0));
  }

  /**
   * Checks and times {@code s}.
   *
   * @throws ScheduleException naming the first offending action, or the waits of a hang
   * @throws IllegalArgumentException if the costs are for another number of stages
   */
  public static Result run(Schedule s, Costs costs) {
    StageLayout l = s.layout();
    if (costs.forward().length != l.stages()) {
      throw new IllegalArgumentException(
          "costs for " + costs.forward().length + " stages, the schedule has " + l.stages());
    }
    ScheduleChecks.verify(s);
    int ranks = l.ranks();
    int[] pc = new int[ranks];
    double[] clock = new double[ranks];
    double[] busy = new double[ranks];
    int[] inFlight = new int[ranks];
    int[] peak = new int[ranks];
    Map<Action, Double> done = new HashMap<>();
    boolean progress = true;
    while (progress) {
      progress = false;
      for (int r = 0; r < ranks; r++) {
        List<Action> actions = s.of(r);
        while (pc[r] < actions.size()) {
          Action a = actions.get(pc[r]);
          Double ready = readyAt(a, l, done, costs.transfer());
          if (ready == null) {
            break;
          }
          double start = Math.max(clock[r], ready);
          double cost = cost(a, costs);
          clock[r] = start + cost;
          busy[r] += cost;
          done.put(a, clock[r]);
          if (a.type() == Type.FORWARD) {
            peak[r] = Math.max(peak[r], ++inFlight[r]);
          } else if (a.type() == Type.BACKWARD) {
            inFlight[r]--;
          }
          pc[r]++;
          progress = true;
        }
      }
    }
    List<String> waits = new ArrayList<>();
    int first = -1;
    for (int r = 0; r < ranks; r++) {
      if (pc[r] < s.of(r).size()) {
        first = first < 0 ? r : first;
        Action a = s.of(r).get(pc[r]);
        waits.add("rank " + r + " at " + a + " for " + awaited(a, l, done));
      }
    }
    if (first >= 0) {
      throw new ScheduleException(
          s, first, pc[first], "the pipeline would hang: " + String.join("; ", waits));
    }
    return new Result(Arrays.stream(clock).max().orElse(0), busy, peak);
  }

  private static double cost(Action a, Costs c) {
    return switch (a.type()) {
      case FORWARD -> c.forward()[a.stage()];
      case BACKWARD -> c.backward()[a.stage()];
      case STEP -> c.step()[a.stage()];
      default -> 0; // sends are posted; a receive's wait is in its ready time
    };
  }

  /** When {@code a} can start as far as its inputs go; null while an input is missing. */
  private static Double readyAt(Action a, StageLayout l, Map<Action, Double> done, double t) {
    List<Action> needs = needs(a, l);
    double ready = 0;
    for (Action n : needs) {
      Double d = done.get(n);
      if (d == null) {
        return null;
      }
      boolean remote = n.type() == Type.SEND_ACTIVATION || n.type() == Type.SEND_GRADIENT;
      ready = Math.max(ready, d + (remote ? t : 0));
    }
    return ready;
  }

  /** The actions {@code a} needs done first (on its own rank or, for a receive, the sender's). */
  static List<Action> needs(Action a, StageLayout l) {
    int s = a.stage();
    int m = a.microBatch();
    return switch (a.type()) {
      case FORWARD ->
          s == 0
              ? List.of()
              : List.of(
                  l.rankOf(s - 1) == l.rankOf(s)
                      ? Action.forward(s - 1, m)
                      : new Action(Type.RECV_ACTIVATION, s, m));
      case BACKWARD ->
          s == l.lastStage()
              ? List.of(Action.forward(s, m))
              : List.of(
                  Action.forward(s, m),
                  l.rankOf(s + 1) == l.rankOf(s)
                      ? Action.backward(s + 1, m)
                      : new Action(Type.RECV_GRADIENT, s, m));
      case SEND_ACTIVATION -> List.of(Action.forward(s, m));
      case SEND_GRADIENT -> List.of(Action.backward(s, m));
      case RECV_ACTIVATION, RECV_GRADIENT -> List.of(ScheduleChecks.counterpart(a));
      case STEP -> List.of(); // the checks put it after the stage's backwards
    };
  }

  private static String awaited(Action a, StageLayout l, Map<Action, Double> done) {
    List<String> missing = new ArrayList<>();
    for (Action n : needs(a, l)) {
      if (!done.containsKey(n)) {
        missing.add(n + " (rank " + l.rankOf(n.stage()) + ")");
      }
    }
    return String.join(" and ", missing);
  }
}
