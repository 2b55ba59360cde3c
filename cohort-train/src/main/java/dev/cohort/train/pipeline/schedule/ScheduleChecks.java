package dev.cohort.train.pipeline.schedule;

import dev.cohort.train.pipeline.schedule.Action.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What can be checked without running a schedule: each action on the rank that holds its stage,
 * micro-batches in range, nothing done twice, a forward before its backward, every transfer between
 * two ranks with its counterpart, and every stage's forwards, backwards and one optimizer step
 * after its last backward.
 */
final class ScheduleChecks {
  private ScheduleChecks() {}

  static void verify(Schedule s) {
    StageLayout l = s.layout();
    Set<Action> all = new HashSet<>();
    Map<Action, Integer> rankOf = new HashMap<>();
    for (int r = 0; r < l.ranks(); r++) {
      Set<Action> seen = new HashSet<>();
      List<Action> actions = s.of(r);
      for (int i = 0; i < actions.size(); i++) {
        Action a = actions.get(i);
        if (a.stage() >= l.stages() || l.rankOf(a.stage()) != r) {
          throw new ScheduleException(
              s,
              r,
              i,
              a.stage() >= l.stages()
                  ? "the pipeline has " + l.stages() + " stages"
                  : "stage " + a.stage() + " is on rank " + l.rankOf(a.stage()));
        }
        if (a.microBatch() >= s.microBatches()) {
          throw new ScheduleException(
              s, r, i, "the step has " + s.microBatches() + " micro-batches");
        }
        if (!seen.add(a)) {
          throw new ScheduleException(s, r, i, "done twice");
        }
        String order = orderProblem(a, seen, s);
        if (order != null) {
          throw new ScheduleException(s, r, i, order);
        }
        String peer = transferProblem(a, l);
        if (peer != null) {
          throw new ScheduleException(s, r, i, peer);
        }
        all.add(a);
        rankOf.put(a, r);
      }
    }
    for (int r = 0; r < l.ranks(); r++) {
      List<Action> actions = s.of(r);
      for (int i = 0; i < actions.size(); i++) {
        Action counterpart = counterpart(actions.get(i));
        if (counterpart != null && !all.contains(counterpart)) {
          throw new ScheduleException(
              s,
              r,
              i,
              "its counterpart "
                  + counterpart
                  + " is missing on rank "
                  + l.rankOf(counterpart.stage()));
        }
      }
    }
    checkDeliveryOrder(s);
    for (int stage = 0; stage < l.stages(); stage++) {
      int r = l.rankOf(stage);
      for (int m = 0; m < s.microBatches(); m++) {
        for (Action need : List.of(Action.forward(stage, m), Action.backward(stage, m))) {
          if (!all.contains(need)) {
            throw new IllegalArgumentException(
                "pipeline schedule " + s.name() + ": rank " + r + " never runs " + need);
          }
        }
      }
      if (!all.contains(Action.step(stage))) {
        throw new IllegalArgumentException(
            "pipeline schedule "
                + s.name()
                + ": rank "
                + r
                + " never steps stage "
                + stage
                + "'s optimizer");
      }
    }
  }

  /**
   * Messages from one rank to another go down one channel and arrive in the order they were sent:
   * every rank must receive from each peer in that peer's order of sends to it. A schedule that
   * does not would fail at run time with a message for the wrong micro-batch.
   */
  private static void checkDeliveryOrder(Schedule s) {
    StageLayout l = s.layout();
    // The receives each rank expects, in the order the sender sends them, per (sender, receiver).
    Map<List<Integer>, List<Action>> sent = new HashMap<>();
    for (int r = 0; r < l.ranks(); r++) {
      for (Action a : s.of(r)) {
        if (a.type() == Type.SEND_ACTIVATION || a.type() == Type.SEND_GRADIENT) {
          Action receive = counterpart(a);
          sent.computeIfAbsent(List.of(r, l.rankOf(receive.stage())), k -> new ArrayList<>())
              .add(receive);
        }
      }
    }
    for (int r = 0; r < l.ranks(); r++) {
      Map<Integer, Integer> next = new HashMap<>(); // per sender: how many received so far
      List<Action> actions = s.of(r);
      for (int i = 0; i < actions.size(); i++) {
        Action a = actions.get(i);
        if (a.type() != Type.RECV_ACTIVATION && a.type() != Type.RECV_GRADIENT) {
          continue;
        }
        int from = l.rankOf(counterpart(a).stage());
        int k = next.merge(from, 1, Integer::sum) - 1;
        Action arrives = sent.get(List.of(from, r)).get(k);
        if (!arrives.equals(a)) {
          throw new ScheduleException(
              s,
              r,
              i,
              "rank "
                  + from
                  + " sends to this rank in another order: its message number "
                  + (k + 1)
                  + " is for "
                  + arrives
                  + " (a channel delivers in the order of sending)");
        }
      }
    }
  }

  /** Why {@code a} cannot come where it is, given what its rank did before; null if it can. */
  private static String orderProblem(Action a, Set<Action> before, Schedule s) {
    int stage = a.stage();
    int m = a.microBatch();
    return switch (a.type()) {
      case BACKWARD ->
          before.contains(Action.forward(stage, m))
              ? null
              : "its forward " + Action.forward(stage, m) + " has not run before it";
      case SEND_ACTIVATION ->
          before.contains(Action.forward(stage, m))
              ? null
              : "sends an activation its forward " + Action.forward(stage, m) + " has not made";
      case SEND_GRADIENT ->
          before.contains(Action.backward(stage, m))
              ? null
              : "sends a gradient its backward " + Action.backward(stage, m) + " has not made";
      case STEP -> {
        // A rank averages and clips all its stages' gradients together before its first step.
        StageLayout l = s.layout();
        for (int own : l.stagesOf(l.rankOf(stage))) {
          for (int k = 0; k < s.microBatches(); k++) {
            if (!before.contains(Action.backward(own, k))) {
              yield "steps before the backward "
                  + Action.backward(own, k)
                  + (own == stage
                      ? ""
                      : " of another stage on this rank (a rank's stages step after all its"
                          + " backwards: their gradients are averaged and clipped together)");
            }
          }
        }
        yield null;
      }
      default -> null;
    };
  }

  /** Why a transfer has no peer (same rank, or no stage there); null if it is fine. */
  private static String transferProblem(Action a, StageLayout l) {
    if (!a.type().isTransfer()) {
      return null;
    }
    boolean toNext = a.type() == Type.SEND_ACTIVATION || a.type() == Type.RECV_GRADIENT;
    int peer = a.stage() + (toNext ? 1 : -1);
    if (peer < 0 || peer >= l.stages()) {
      return "stage " + a.stage() + " has no " + (toNext ? "next" : "previous") + " stage";
    }
    if (l.rankOf(peer) == l.rankOf(a.stage())) {
      return "stage " + peer + " is on the same rank: nothing to transfer";
    }
    return null;
  }

  /** The action on the peer rank that a transfer pairs with; null for compute and steps. */
  static Action counterpart(Action a) {
    int s = a.stage();
    int m = a.microBatch();
    return switch (a.type()) {
      case SEND_ACTIVATION -> new Action(Type.RECV_ACTIVATION, s + 1, m);
      case RECV_ACTIVATION -> new Action(Type.SEND_ACTIVATION, s - 1, m);
      case SEND_GRADIENT -> new Action(Type.RECV_GRADIENT, s - 1, m);
      case RECV_GRADIENT -> new Action(Type.SEND_GRADIENT, s + 1, m);
      default -> null;
    };
  }
}
