package dev.cohort.train.pipeline.schedule;

import java.util.ArrayList;
import java.util.List;

/**
 * Inserts the transfers a compute-only schedule needs: a forward on a stage whose input comes from
 * another rank is preceded by its receive and a forward whose output goes to another rank is
 * followed by its send; backwards the same way with gradients. Between two stages on the same rank
 * nothing is sent. Sends do not block (the runtime posts them and waits for them at the end of the
 * step); receives do.
 */
public final class CommLowering {
  private CommLowering() {}

  /** {@code compute} with its sends and receives. */
  public static Schedule apply(Schedule compute) {
    StageLayout l = compute.layout();
    List<List<Action>> out = new ArrayList<>();
    for (int r = 0; r < l.ranks(); r++) {
      List<Action> a = new ArrayList<>();
      for (Action x : compute.of(r)) {
        int s = x.stage();
        int m = x.microBatch();
        switch (x.type()) {
          case FORWARD -> {
            if (s > 0 && l.rankOf(s - 1) != r) {
              a.add(new Action(Action.Type.RECV_ACTIVATION, s, m));
            }
            a.add(x);
            if (s < l.lastStage() && l.rankOf(s + 1) != r) {
              a.add(new Action(Action.Type.SEND_ACTIVATION, s, m));
            }
          }
          case BACKWARD -> {
            if (s < l.lastStage() && l.rankOf(s + 1) != r) {
              a.add(new Action(Action.Type.RECV_GRADIENT, s, m));
            }
            a.add(x);
            if (s > 0 && l.rankOf(s - 1) != r) {
              a.add(new Action(Action.Type.SEND_GRADIENT, s, m));
            }
          }
          default -> a.add(x);
        }
      }
      out.add(a);
    }
    return compute.withRanks(out);
  }
}
