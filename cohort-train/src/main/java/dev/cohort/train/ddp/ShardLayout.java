package dev.cohort.train.ddp;

import java.util.ArrayList;
import java.util.List;

/**
 * How ZeRO cuts the model's parameters over N ranks. The parameters, in model order, are grouped
 * into segments (contiguous runs of parameters: one segment for ZeRO-1, one per block of the model
 * for ZeRO-2 and 3). Each segment's parameters form a flat vector, padded to N equal shards; rank r
 * owns shard r of every segment. A rank keeps its shards one after the other, in segment order: its
 * shard storage, {@link #shardElements} floats, the same count on every rank.
 *
 * <p>A parameter's elements that fall in rank r's shard of its segment are one {@link Piece}: the
 * optimizer of rank r updates exactly its pieces, so the pieces of all ranks cover every element of
 * every parameter once.
 */
final class ShardLayout {
  /**
   * Elements {@code [from, to)} of parameter {@code index}, which sit at {@code at} in its rank's
   * shard storage.
   */
  record Piece(int index, int from, int to, int at) {
    int length() {
      return to - from;
    }
  }

  private final long[] elements; // per parameter
  private final long[] offsets; // each parameter's first element in its segment's flat vector
  private final int[] segmentOf; // per parameter
  private final int[] firstParameter; // per segment, and one past the last parameter at the end
  private final int[] shard; // elements per rank, per segment
  private final int[] storageOffset; // per segment, where its shard starts in a rank's storage
  private final int ranks;
  private final int storage;

  /**
   * @param elements each parameter's element count, in model order
   * @param segmentEnds each segment's end (exclusive parameter index), ascending, the last one
   *     {@code elements.length}
   * @param ranks N
   * @throws IllegalArgumentException if a segment's flat vector or the shard storage is over 2 GiB
   */
  ShardLayout(long[] elements, int[] segmentEnds, int ranks) {
    if (ranks < 1) {
      throw new IllegalArgumentException("ranks must be >= 1, got " + ranks);
    }
    if (segmentEnds.length == 0 || segmentEnds[segmentEnds.length - 1] != elements.length) {
      throw new IllegalArgumentException(
          "segments must end at the last of " + elements.length + " parameters");
    }
    this.elements = elements.clone();
    this.ranks = ranks;
    this.offsets = new long[elements.length];
    this.segmentOf = new int[elements.length];
    this.firstParameter = new int[segmentEnds.length + 1];
    this.shard = new int[segmentEnds.length];
    this.storageOffset = new int[segmentEnds.length];
    long stored = 0;
    int i = 0;
    for (int s = 0; s < segmentEnds.length; s++) {
      if (segmentEnds[s] < i) {
        throw new IllegalArgumentException("segment ends must ascend, got " + segmentEnds[s]);
      }
      firstParameter[s] = i;
      long at = 0;
      for (; i < segmentEnds[s]; i++) {
        offsets[i] = at;
        segmentOf[i] = s;
        at += elements[i];
      }
      long perRank = (at + ranks - 1) / ranks;
      if (perRank * ranks * Float.BYTES > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "ZeRO's segment "
                + s
                + " holds "
                + at
                + " parameters, padded to "
                + ranks
                + " shards more than one flat vector of 2 GiB can hold: split that block, or"
                + " train without --zero");
      }
      shard[s] = (int) perRank;
      storageOffset[s] = (int) stored;
      stored += perRank;
    }
    firstParameter[segmentEnds.length] = elements.length;
    if (stored * Float.BYTES > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "a rank's shard of "
              + stored
              + " parameters over "
              + ranks
              + " ranks is over 2 GiB: use more workers");
    }
    this.storage = (int) stored;
  }

  /** One segment holding every parameter (ZeRO-1). */
  static ShardLayout whole(long[] elements, int ranks) {
    return new ShardLayout(elements, new int[] {elements.length}, ranks);
  }

  /** Rank {@code rank}'s pieces, in model order. */
  List<Piece> pieces(int rank) {
    List<Piece> pieces = new ArrayList<>();
    for (int i = 0; i < elements.length; i++) {
      int s = segmentOf[i];
      long first = (long) rank * shard[s];
      long from = Math.max(first, offsets[i]);
      long to = Math.min(first + shard[s], offsets[i] + elements[i]);
      if (from < to) {
        pieces.add(
            new Piece(
                i,
                (int) (from - offsets[i]),
                (int) (to - offsets[i]),
                (int) (storageOffset[s] + from - first)));
      }
    }
    return pieces;
  }

  int segments() {
    return shard.length;
  }

  int parameters() {
    return elements.length;
  }

  /** Parameter {@code i}'s element count. */
  long elements(int i) {
    return elements[i];
  }

  /** Parameters {@code [firstParameter(s), firstParameter(s + 1))} make segment {@code s}. */
  int firstParameter(int s) {
    return firstParameter[s];
  }

  /** Parameter {@code i}'s first element in its segment's flat vector. */
  long offsetInSegment(int i) {
    return offsets[i];
  }

  /** Elements per rank of segment {@code s}. */
  int shard(int s) {
    return shard[s];
  }

  /** Where segment {@code s}'s shard starts in a rank's storage. */
  int storageOffset(int s) {
    return storageOffset[s];
  }

  /** Segment {@code s}'s flat vector, padded: N x {@link #shard(int)}. */
  int padded(int s) {
    return shard[s] * ranks;
  }

  /** The largest padded segment: the size of one buffer that serves every segment. */
  int largestPadded() {
    int max = 0;
    for (int s = 0; s < shard.length; s++) {
      max = Math.max(max, padded(s));
    }
    return max;
  }

  /** The parameters of the largest segment, unpadded. */
  long largestSegment() {
    long max = 0;
    for (int s = 0; s < shard.length; s++) {
      long n = 0;
      for (int i = firstParameter[s]; i < firstParameter[s + 1]; i++) {
        n += elements[i];
      }
      max = Math.max(max, n);
    }
    return max;
  }

  /** A rank's shard storage: the sum of its segments' shards. */
  int shardElements() {
    return storage;
  }
}
