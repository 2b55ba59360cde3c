package dev.cohort.train.nn;

import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.norm.BatchNorm;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;

/**
 * Replaces BatchNorm blocks by SyncBatchNorm ones. DJL's BatchNorm keeps its options in private
 * fields without getters, so they are read reflectively; a DJL that renames them fails here with a
 * message, never with a silently different block.
 */
final class BatchNormConversion {
  private BatchNormConversion() {}

  static Block convert(Block block, String path) {
    if (block.isInitialized()) {
      throw new IllegalArgumentException(
          "convert the model to SyncBatchNorm before it is initialized (" + path + " already is)");
    }
    if (block instanceof BatchNorm bn) {
      return fromBatchNorm(bn, path);
    }
    if (!containsBatchNorm(block)) {
      return block;
    }
    if (block instanceof SequentialBlock seq) {
      List<Block> children = new ArrayList<>();
      seq.getChildren().forEach(p -> children.add(convert(p.getValue(), path + "/" + p.getKey())));
      while (!seq.getChildren().isEmpty()) {
        seq.removeLastBlock();
      }
      seq.addAll(children);
      return seq;
    }
    throw new IllegalArgumentException(
        "cannot replace the BatchNorm inside "
            + path
            + " ("
            + block.getClass().getName()
            + "): only SequentialBlock children can be swapped; build that block with"
            + " SyncBatchNorm.builder() instead of BatchNorm.builder()");
  }

  private static boolean containsBatchNorm(Block block) {
    if (block instanceof BatchNorm) {
      return true;
    }
    return block.getChildren().values().stream().anyMatch(BatchNormConversion::containsBatchNorm);
  }

  private static SyncBatchNorm fromBatchNorm(BatchNorm bn, String path) {
    return SyncBatchNorm.builder()
        .optAxis(field(bn, "axis", Integer.class, path))
        .optEpsilon(field(bn, "epsilon", Float.class, path))
        .optMomentum(field(bn, "momentum", Float.class, path))
        .optCenter(field(bn, "center", Boolean.class, path))
        .optScale(field(bn, "scale", Boolean.class, path))
        .build();
  }

  private static <T> T field(BatchNorm bn, String name, Class<T> type, String path) {
    try {
      Field f = BatchNorm.class.getDeclaredField(name);
      f.setAccessible(true);
      return type.cast(f.get(bn));
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot read option '"
              + name
              + "' of the BatchNorm at "
              + path
              + " (this DJL version keeps it elsewhere): build the model with"
              + " SyncBatchNorm.builder() directly",
          e);
    }
  }
}
