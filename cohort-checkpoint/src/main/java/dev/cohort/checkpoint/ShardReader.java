package dev.cohort.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the shards of a sharded checkpoint back into whole arrays: each shard verified against the
 * manifest (size, SHA-256) before it is parsed, each slice placed at its offset in its whole array,
 * and every whole array checked to be covered exactly once. So a checkpoint written by N ranks
 * reads the same on any number of ranks, or none.
 */
final class ShardReader {
  private ShardReader() {}

  /**
   * @param shards the manifest's {@code shards} list
   * @param maxArrayFloats the most floats any whole array may hold
   * @throws IOException naming the shard or array that is missing, corrupted or incomplete
   */
  static Map<String, float[]> read(Path ckpt, JsonNode shards, long maxArrayFloats)
      throws IOException {
    Map<String, float[]> whole = new LinkedHashMap<>();
    Map<String, BitSet> covered = new LinkedHashMap<>();
    for (JsonNode entry : shards) {
      String name = entry.path("file").asText();
      if (!name.matches("shard-\\d+-of-\\d+\\.bin")) {
        throw new IOException("the manifest names a shard '" + name + "' (corrupted)");
      }
      TrainingState s;
      try {
        s =
            CheckpointFiles.read(
                ckpt.resolve(name),
                entry.path("bytes").asLong(-1),
                entry.path("sha256").asText(),
                maxArrayFloats,
                Map.of());
      } catch (NoSuchFileException e) {
        throw new IOException(name + " is missing (written on another host's file system?)", e);
      }
      for (Map.Entry<String, float[]> slice : s.arrays().entrySet()) {
        place(name, slice.getKey(), slice.getValue(), maxArrayFloats, whole, covered);
      }
    }
    for (Map.Entry<String, float[]> e : whole.entrySet()) {
      if (covered.get(e.getKey()).cardinality() != e.getValue().length) {
        throw new IOException(
            "the shards hold "
                + covered.get(e.getKey()).cardinality()
                + " of the "
                + e.getValue().length
                + " values of "
                + e.getKey()
                + " (incomplete)");
      }
    }
    return whole;
  }

  /** Copies one slice, named {@code <array>#<from>#<whole>}, into its whole array. */
  private static void place(
      String shard,
      String key,
      float[] values,
      long maxArrayFloats,
      Map<String, float[]> whole,
      Map<String, BitSet> covered)
      throws IOException {
    int second = key.lastIndexOf('#');
    int first = second <= 0 ? -1 : key.lastIndexOf('#', second - 1);
    if (first <= 0) {
      throw new IOException(shard + " holds '" + key + "', not a slice (corrupted)");
    }
    long from;
    long length;
    try {
      from = Long.parseLong(key.substring(first + 1, second));
      length = Long.parseLong(key.substring(second + 1));
    } catch (RuntimeException e) {
      throw new IOException(shard + " holds '" + key + "', not a slice (corrupted)", e);
    }
    String array = key.substring(0, first);
    if (length > maxArrayFloats || from < 0 || from + values.length > length) {
      throw new IOException(
          shard + " holds a slice " + key + " of " + values.length + " values that does not fit");
    }
    float[] target = whole.computeIfAbsent(array, k -> new float[(int) length]);
    if (target.length != length) {
      throw new IOException(
          shard + " says " + array + " holds " + length + ", another shard " + target.length);
    }
    BitSet have = covered.computeIfAbsent(array, k -> new BitSet((int) length));
    if (have.get((int) from, (int) from + values.length).cardinality() > 0) {
      throw new IOException(shard + " holds " + key + ", which overlaps another slice (corrupted)");
    }
    have.set((int) from, (int) from + values.length);
    System.arraycopy(values, 0, target, (int) from, values.length);
  }
}
