package dev.cohort.train.ddp;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Puts another array into a DJL parameter, freeing the one it held. ZeRO-3 empties every trainable
 * parameter (a 0-element array: the parameter still counts as initialized, so DJL's blocks do not
 * initialize it again, but holds no memory) and fills it again with the whole, gathered values for
 * an evaluation and at the end of training.
 *
 * <p>DJL's {@link Parameter#setArray} refuses an initialized parameter, so the array goes in the
 * way DJL loads a saved parameter: {@link Parameter#load} from DJL's own parameter encoding (a tag,
 * a version, the name, then {@link NDArray#encode}), which sets array and shape together.
 */
final class ParameterSlots {
  /** {@link Parameter}'s encoding: 'P' for a parameter with an array, then its version. */
  private static final char PRESENT = 'P';

  private static final int VERSION = 1;

  private ParameterSlots() {}

  /** Frees {@code p}'s array for an empty float32 one. */
  static void empty(Parameter p) {
    try (NDArray none = p.getArray().getManager().create(new float[0])) {
      fill(p, none);
    }
  }

  /**
   * Frees {@code p}'s array for a copy of {@code values}, in the manager that held the old one (its
   * shape becomes theirs).
   */
  static void fill(Parameter p, NDArray values) {
    NDArray old = p.getArray();
    NDManager manager = old.getManager();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeChar(PRESENT);
      out.writeByte(VERSION);
      out.writeUTF(p.getName());
      out.write(values.encode());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in memory: cannot happen
    }
    try {
      p.load(manager, new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    } catch (IOException | MalformedModelException e) {
      throw new IllegalStateException(
          "cannot put a new array into parameter " + p.getName() + ": " + e.getMessage(), e);
    }
    if (old != null && old != p.getArray()) {
      old.close();
    }
  }
}
