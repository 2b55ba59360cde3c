package dev.cohort.train.metrics;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Rank 0's progress bar: samples/s over the whole world and the running loss, redrawn in place on a
 * terminal, or one line per tenth of an epoch when the output is a file or a pipe.
 */
public final class ConsoleProgress implements RunListener {
  private final PrintStream out;
  private final boolean terminal;
  private int workers;
  private int epochs;
  private long epochStart;
  private long samples;
  private double lossAvg = Double.NaN;

  public ConsoleProgress(PrintStream out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  @Override
  public void onStart(Start start) {
    this.workers = start.workers();
    this.epochs = start.config().epochs();
    this.epochStart = System.nanoTime();
  }

  @Override
  public void onStep(StepRecord r, int batchInEpoch, int batchesPerEpoch) {
    if (batchInEpoch == 1) {
      epochStart = System.nanoTime() - r.totalNanos();
      samples = 0;
    }
    samples += (long) r.samples() * workers;
    lossAvg = Double.isNaN(lossAvg) ? r.loss() : 0.95 * lossAvg + 0.05 * r.loss();
    double secs = (System.nanoTime() - epochStart) / 1e9;
    int tenth = Math.max(1, batchesPerEpoch / 10);
    if (!terminal && batchInEpoch % tenth != 0 && batchInEpoch != batchesPerEpoch) {
      return;
    }
    int width = 30;
    int filled = (int) ((long) width * batchInEpoch / batchesPerEpoch);
    String bar =
        "=".repeat(filled)
            + (filled < width ? ">" : "")
            + " ".repeat(Math.max(0, width - filled - 1));
    String line =
        String.format(
            Locale.ROOT,
            "epoch %d/%d [%s] %d/%d  loss %.4f  %,.0f samples/s",
            r.epoch() + 1,
            epochs,
            bar,
            batchInEpoch,
            batchesPerEpoch,
            lossAvg,
            samples / secs);
    if (terminal) {
      out.print("\r" + line);
      if (batchInEpoch == batchesPerEpoch) {
        out.println();
      }
    } else {
      out.println(line);
    }
    out.flush();
  }

  @Override
  public void onEpoch(int epoch, double trainLoss, double testAccuracy) {
    out.printf(
        Locale.ROOT,
        "epoch %d: train loss %.4f, test accuracy %.4f%n",
        epoch + 1,
        trainLoss,
        testAccuracy);
  }
}
