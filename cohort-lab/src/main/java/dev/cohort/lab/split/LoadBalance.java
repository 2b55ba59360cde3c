package dev.cohort.lab.split;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How evenly a mixture of experts routed over a run, from its metrics.csv: in windows of steps, the
 * share of choices dropped, the busiest expert's demand over the mean expert's (layer by layer, as
 * each step records it; the mean over the window), and the mean loss.
 *
 * @param auxLoss the run's load-balancing weight α
 * @param windows first to last
 */
record LoadBalance(double auxLoss, List<Window> windows) {
  /**
   * Steps {@code [from, to)}.
   *
   * @param dropped the share of routing choices dropped for want of capacity
   * @param busiestOverMean the busiest expert's demand over the mean expert's, in each layer
   * @param loss the mean training loss
   */
  record Window(int from, int to, double dropped, double busiestOverMean, double loss) {}

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
    int busiest = header.indexOf("busiest_over_mean");
    int loss = header.indexOf("loss");
    int first = header.indexOf("expert_0");
    if (dropped < 0 || busiest < 0 || loss < 0 || first < 0) {
      throw new IOException(metrics + " has no experts' columns: not a mixture-of-experts run");
    }
    int experts = header.size() - first;
    int steps = lines.size() - 1;
    List<Window> windows = new ArrayList<>();
    for (int from : new int[] {0, (steps - size) / 2, steps - size}) {
      double choices = 0;
      double drops = 0;
      double balance = 0;
      double losses = 0;
      for (int s = from; s < from + size; s++) {
        String[] f = lines.get(1 + s).split(",");
        drops += Double.parseDouble(f[dropped]);
        balance += Double.parseDouble(f[busiest]);
        losses += Double.parseDouble(f[loss]);
        for (int e = 0; e < experts; e++) {
          choices += Double.parseDouble(f[first + e]);
        }
      }
      windows.add(new Window(from, from + size, drops / choices, balance / size, losses / size));
    }
    return new LoadBalance(auxLoss, windows);
  }
}
