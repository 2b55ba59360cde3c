package dev.cohort.checkpoint;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything a run needs to continue exactly where it stopped: named float arrays (parameters and
 * optimizer state, in a fixed order), the position (optimizer steps done, epoch and batch within
 * it), and descriptive metadata (configuration, data fingerprint) used to refuse an incompatible
 * resume.
 *
 * @param step optimizer steps completed
 * @param epoch epoch of the next batch
 * @param batch index of the next batch within that epoch
 * @param arrays named arrays, in the order they are written and read
 * @param meta JSON-compatible metadata (strings, numbers, maps)
 */
public record TrainingState(
    long step, int epoch, int batch, Map<String, float[]> arrays, Map<String, Object> meta) {

  public TrainingState {
    arrays = new LinkedHashMap<>(arrays);
    meta = new LinkedHashMap<>(meta);
  }

  /** A copy whose arrays are independent of the caller's (the in-memory snapshot). */
  public static TrainingState snapshot(
      long step, int epoch, int batch, Map<String, float[]> live, Map<String, Object> meta) {
    Map<String, float[]> copy = new LinkedHashMap<>();
    live.forEach((k, v) -> copy.put(k, v.clone()));
    return new TrainingState(step, epoch, batch, copy, meta);
  }

  public long bytes() {
    long n = 0;
    for (float[] a : arrays.values()) {
      n += 4L * a.length;
    }
    return n;
  }
}
