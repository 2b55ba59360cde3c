package dev.cohort.lab.chaos;

import java.util.Arrays;
import java.util.Collection;

/**
 * The median and the maximum of some measurements (NaN for none).
 *
 * @param median the middle value; the mean of the two middle ones for an even count
 */
record Spread(double median, double max) {

  static Spread of(Collection<? extends Number> values) {
    double[] v = values.stream().mapToDouble(Number::doubleValue).sorted().toArray();
    if (v.length == 0) {
      return new Spread(Double.NaN, Double.NaN);
    }
    int mid = v.length / 2;
    double median = v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
    return new Spread(median, Arrays.stream(v).max().orElseThrow());
  }
}
