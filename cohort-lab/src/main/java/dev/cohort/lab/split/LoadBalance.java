package dev.cohort.lab.split;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How evenly a mixture of experts routed over a run, from its metrics.csv: in windows of steps, the
 * share of choices dropped, the busiest expert's demand over the mean expert's, and the mean loss.
 *
 * @param auxLoss the run's load-balancing weight α
 * @param windows first to last
 */
record LoadBalance(double auxLoss, List<Window> windows) {
  /**
   * Steps {@code [from, to)}.
   *
   * @param dropped the share of routing choices dropped for want of capacity
   * @param maxOverMean the busiest expert's choices over the mean expert's
   * @param loss the mean training loss
   */
  record Window(int from, int to, double dropped, double maxOverMean, double loss) {}

  /**
   * Reads {@code metrics} (with the experts' columns) in three windows of {@code size} steps: the
   * first, the middle and the last.
   *
   * @throws IOException if it cannot be read or lacks the experts' columns
   */
  static LoadBalance read(Path metrics, double auxLoss, int size) throws IOException {
    List<String> lines = Files.readAllLines(metrics);
    List<String> header = Arrays.asList(lines.get(0).split(","));
    int dropped = header.indexOf("dropped");
    int loss = header.indexOf("loss");
    if (dropped < 0 || loss < 0) {
      throw new IOException(metrics + " has no experts' columns: not a mixture-of-experts run");
    }
    int experts = header.size() - dropped - 1;
    int steps = lines.size() - 1;
    List<Window> windows = new ArrayList<>();
    for (int from : new int[] {0, (steps - size) / 2, steps - size}) {
      double[] perExpert = new double[experts];
      double drops = 0;
      double losses = 0;
      for (int s = from; s < from + size; s++) {
        String[] f = lines.get(1 + s).split(",");
        drops += Double.parseDouble(f[dropped]);
        losses += Double.parseDouble(f[loss]);
        for (int e = 0; e < experts; e++) {
          perExpert[e] += Double.parseDouble(f[dropped + 1 + e]);
        }
      }
      double choices = Arrays.stream(perExpert).sum();
      double max = Arrays.stream(perExpert).max().orElse(0);
      windows.add(
          new Window(from, from + size, drops / choices, max * experts / choices, losses / size));
    }
    return new LoadBalance(auxLoss, windows);
  }
}
