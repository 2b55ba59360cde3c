package dev.cohort.checkpoint;

import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One rank's file of a sharded checkpoint, as the manifest records it: its name, size and SHA-256.
 * Its arrays are slices of whole arrays, named {@code <name>#<from>#<whole length>}: a reader
 * rebuilds each whole array from the slices of every shard, whatever number of ranks wrote them.
 */
public record ShardFile(String name, long bytes, String sha256) {

  /** The file of {@code rank} of {@code ranks}. */
  public static String fileName(int rank, int ranks) {
    return "shard-" + rank + "-of-" + ranks + ".bin";
  }

  /** The name of the slice of {@code array} that starts at {@code from} of its {@code whole}. */
  public static String sliceName(String array, long from, long whole) {
    return array + "#" + from + "#" + whole;
  }

  /**
   * As 6 longs for a collective: whether it was written (1) or failed (0), its size, and its
   * SHA-256 in 4 words.
   */
  public long[] toLongs() {
    long[] out = new long[6];
    out[0] = 1;
    out[1] = bytes;
    byte[] sha = HexFormat.of().parseHex(sha256);
    for (int w = 0; w < 4; w++) {
      for (int b = 0; b < 8; b++) {
        out[2 + w] = (out[2 + w] << 8) | (sha[w * 8 + b] & 0xff);
      }
    }
    return out;
  }

  /** The 6 longs of a shard that could not be written. */
  public static long[] failed() {
    return new long[6];
  }

  /**
   * The shard that {@code words} (6 longs from {@link #toLongs}, at {@code at}) describe.
   *
   * @throws IllegalStateException if they say it failed
   */
  public static ShardFile fromLongs(long[] words, int at, int rank, int ranks) {
    if (words[at] != 1) {
      throw new IllegalStateException("rank " + rank + " could not write its checkpoint shard");
    }
    byte[] sha = new byte[32];
    for (int w = 0; w < 4; w++) {
      long v = words[at + 2 + w];
      for (int b = 7; b >= 0; b--) {
        sha[w * 8 + b] = (byte) v;
        v >>>= 8;
      }
    }
    return new ShardFile(fileName(rank, ranks), words[at + 1], HexFormat.of().formatHex(sha));
  }

  /** The manifest's entry. */
  Map<String, Object> entry() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("file", name);
    m.put("bytes", bytes);
    m.put("sha256", sha256);
    return m;
  }
}
