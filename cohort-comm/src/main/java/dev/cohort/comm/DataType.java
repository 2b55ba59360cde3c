package dev.cohort.comm;

/** Element types a collective can carry. Data travels in the host's native byte order. */
public enum DataType {
  FLOAT32(4),
  FLOAT64(8),
  INT32(4),
  INT64(8);

  private final int bytes;

  DataType(int bytes) {
    this.bytes = bytes;
  }

  /** Size of one element in bytes. */
  public int bytes() {
    return bytes;
  }
}
