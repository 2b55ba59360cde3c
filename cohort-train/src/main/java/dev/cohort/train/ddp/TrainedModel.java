package dev.cohort.train.ddp;

import ai.djl.Model;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The model a training run produced, still open: identical on every rank (parameters and buffers).
 * Use it for inference with DJL, read its state, or save it in DJL's own format; close it when
 * done.
 */
public final class TrainedModel implements AutoCloseable {
  private final Model model;
  private final ModelState state;

  TrainedModel(Model model, ModelState state) {
    this.model = model;
    this.state = state;
  }

  /** The DJL model: its block holds the trained parameters and buffers. */
  public Model model() {
    return model;
  }

  /**
   * Every tensor of the model by its path in the block tree, in model order: trainable parameters
   * and buffers (e.g. {@code 02BatchNorm_runningMean}). Copies.
   */
  public Map<String, float[]> state() {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (ModelState.Entry e : state.all()) {
      FloatBuffer f = e.view().asFloatBuffer();
      float[] copy = new float[f.remaining()];
      f.get(copy);
      out.put(e.path(), copy);
    }
    return out;
  }

  /** All values of {@link #state()} concatenated, in model order. */
  public float[] flatState() {
    Map<String, float[]> s = state();
    int total = s.values().stream().mapToInt(a -> a.length).sum();
    float[] out = new float[total];
    int at = 0;
    for (float[] a : s.values()) {
      System.arraycopy(a, 0, out, at, a.length);
      at += a.length;
    }
    return out;
  }

  /**
   * Saves the model in DJL's format ({@code <dir>/<name>-0000.params}, name = the model's name),
   * which plain DJL loads: {@code Model.newInstance(name)}, {@code setBlock(sameArchitecture)},
   * {@code load(dir)}. A model trained with SyncBatchNorm loads into the same architecture built
   * with BatchNorm.
   *
   * @return the folder
   */
  public Path save(Path dir) {
    try {
      Files.createDirectories(dir);
      model.save(dir, model.getName());
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save the model to " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    model.close();
  }
}
