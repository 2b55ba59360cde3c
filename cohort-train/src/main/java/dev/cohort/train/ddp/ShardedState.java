package dev.cohort.train.ddp;

import dev.cohort.checkpoint.ShardFile;
import dev.cohort.comm.DataType;
import dev.cohort.comm.ProcessGroup;
import dev.cohort.comm.Tensor;
import dev.cohort.train.optim.FusedOptimizer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What ZeRO shards, as a checkpoint holds it: whole, named as an unsharded run names it. The
 * optimizer's state (each kind: Adam's "first" and "second" moments, SGD's momentum "first") and,
 * with ZeRO-3, the parameters themselves. A snapshot gathers every rank's shard storage to rank 0,
 * which lays each rank's pieces back into whole parameters ({@link ShardLayout#pieces}); a restore
 * cuts this rank's pieces out of the whole. A checkpoint written sharded resumes unsharded and on
 * any number of ranks, and the other way round.
 */
final class ShardedState implements OptimizerState {
  private final ProcessGroup pg;
  private final ShardLayout layout;
  private final List<ShardLayout.Piece> mine;
  private final FusedOptimizer optimizer;
  private final List<String> kinds;
  private final Tensor weights;

  /**
   * @param optimizer this rank's optimizer, over its pieces in order
   * @param weights this rank's shard storage of the parameters (ZeRO-3), or null when every rank
   *     holds the whole parameters
   */
  ShardedState(ProcessGroup pg, ShardLayout layout, FusedOptimizer optimizer, Tensor weights) {
    this.pg = pg;
    this.layout = layout;
    this.mine = layout.pieces(pg.rank());
    this.optimizer = optimizer;
    this.kinds = optimizer.stateKinds();
    this.weights = weights;
  }

  /** The kinds of state an optimizer keeps per parameter. */
  @Override
  public Map<String, float[]> snapshot() {
    Map<String, float[]> whole = new LinkedHashMap<>();
    Map<String, float[]> state = optimizer.state(); // this rank's pieces, by piece number
    for (String kind : kinds) {
      Tensor packed = Tensor.allocate(DataType.FLOAT32, layout.shardElements());
      FloatBuffer out = floats(packed);
      for (int k = 0; k < mine.size(); k++) {
        out.put(mine.get(k).at(), state.get("optimizer/" + kind + "/" + k));
      }
      gatherWhole(packed, "optimizer/" + kind + "/", whole);
    }
    if (weights != null) {
      gatherWhole(weights, "parameter/", whole);
    }
    return whole;
  }

  /** Gathers every rank's {@code storage} to rank 0 and lays it out per parameter there. */
  private void gatherWhole(Tensor storage, String prefix, Map<String, float[]> whole) {
    int size = layout.shardElements();
    if ((long) size * pg.size() * Float.BYTES > Integer.MAX_VALUE) {
      throw new IllegalStateException(
          "rank "
              + pg.rank()
              + ": a checkpoint gathers the whole "
              + prefix
              + " state to rank 0, "
              + (long) size * pg.size()
              + " floats, over the 2 GiB of one buffer: checkpoint a model of fewer than"
              + " 536,870,912 parameters, or train without --checkpoint-every");
    }
    Tensor all = pg.rank() == 0 ? Tensor.allocate(DataType.FLOAT32, size * pg.size()) : null;
    pg.gather(storage, all, 0);
    if (all == null) {
      return;
    }
    FloatBuffer in = floats(all);
    float[][] params = new float[layout.parameters()][];
    for (int i = 0; i < params.length; i++) {
      params[i] = new float[Math.toIntExact(layout.elements(i))];
    }
    for (int r = 0; r < pg.size(); r++) {
      for (ShardLayout.Piece p : layout.pieces(r)) {
        in.get(r * size + p.at(), params[p.index()], p.from(), p.length());
      }
    }
    for (int i = 0; i < params.length; i++) {
      whole.put(prefix + i, params[i]);
    }
  }

  @Override
  public boolean collective() {
    return true;
  }

  @Override
  public boolean sliced() {
    return true;
  }

  /**
   * This rank's pieces as slices of the whole arrays: each kind of optimizer state and, with
   * ZeRO-3, the parameters. The optimizer's arrays are live; the parameters' are copied out of the
   * shard storage.
   */
  @Override
  public Map<String, float[]> slices() {
    Map<String, float[]> out = new LinkedHashMap<>();
    Map<String, float[]> state = optimizer.state();
    for (int k = 0; k < mine.size(); k++) {
      ShardLayout.Piece p = mine.get(k);
      long whole = layout.elements(p.index());
      for (String kind : kinds) {
        out.put(
            ShardFile.sliceName("optimizer/" + kind + "/" + p.index(), p.from(), whole),
            state.get("optimizer/" + kind + "/" + k));
      }
      if (weights != null) {
        float[] w = new float[p.length()];
        floats(weights).get(p.at(), w);
        out.put(ShardFile.sliceName("parameter/" + p.index(), p.from(), whole), w);
      }
    }
    return out;
  }

  /** Nothing but the slices: the sharded state has no rest. */
  @Override
  public Map<String, float[]> rest() {
    return Map.of();
  }

  /** Whether the snapshot holds the parameters too (ZeRO-3): no rank holds them whole. */
  @Override
  public boolean holdsParameters() {
    return weights != null;
  }

  /** This rank's pieces of {@code saved}, the whole state an unsharded run names. */
  @Override
  public void restore(Map<String, float[]> saved) {
    Map<String, float[]> pieces = new LinkedHashMap<>();
    for (String kind : kinds) {
      for (int k = 0; k < mine.size(); k++) {
        pieces.put("optimizer/" + kind + "/" + k, cut(saved, "optimizer/" + kind + "/", k));
      }
    }
    optimizer.restore(pieces);
    if (weights != null) {
      FloatBuffer out = floats(weights);
      for (int k = 0; k < mine.size(); k++) {
        out.put(mine.get(k).at(), cut(saved, "parameter/", k));
      }
    }
  }

  private float[] cut(Map<String, float[]> saved, String prefix, int k) {
    ShardLayout.Piece p = mine.get(k);
    String key = prefix + p.index();
    float[] whole = saved.get(key);
    long expected = layout.elements(p.index());
    if (whole == null || whole.length != expected) {
      throw new IllegalArgumentException(
          "the checkpoint has no '"
              + key
              + "' of "
              + expected
              + " values: was it written with another optimizer or model?");
    }
    return Arrays.copyOfRange(whole, p.from(), p.to());
  }

  private static FloatBuffer floats(Tensor t) {
    return t.bytes().order(ByteOrder.nativeOrder()).asFloatBuffer();
  }
}
