package dev.cohort.ops.watch;

/**
 * One rank's step as its steps file records it: when it ended (wall clock, ms), the loss, the
 * samples and the phases in milliseconds, the process's resident memory and the bytes it had sent.
 */
public record StepPoint(
    long timeMillis,
    long step,
    int epoch,
    double loss,
    int samples,
    double dataMs,
    double computeMs,
    double commMs,
    double waitMs,
    double optimizerMs,
    double stepMs,
    long rssBytes,
    long bytesSent) {

  /** The time no phase accounts for; never negative. */
  public double otherMs() {
    return Math.max(0, stepMs - dataMs - computeMs - commMs - waitMs - optimizerMs);
  }

  static StepPoint of(CsvTail.Row r) {
    return new StepPoint(
        r.whole("time_ms"),
        r.whole("step"),
        (int) r.whole("epoch"),
        r.number("loss"),
        (int) r.whole("samples"),
        r.number("data_ms"),
        r.number("forward_backward_ms"),
        r.number("communication_ms"),
        r.number("wait_ms"),
        r.number("optimizer_ms"),
        r.number("step_ms"),
        r.whole("rss_bytes"),
        r.whole("bytes_sent"));
  }
}
