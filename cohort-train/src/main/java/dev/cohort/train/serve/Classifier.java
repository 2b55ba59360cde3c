package dev.cohort.train.serve;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.cohort.train.data.InMemoryDataset;
import dev.cohort.train.model.Models;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A saved image classifier, loaded for inference (BatchNorm on its running statistics, dropout
 * off): predictions one image at a time, and scores over whole data sets. One caller at a time: the
 * methods are synchronized, as libtorch's arrays of one model are not to be shared between threads.
 */
public final class Classifier implements AutoCloseable {
  private static final int BATCH = 500;

  /** A prediction: the class, and the probability of each class (softmax). */
  public record Prediction(int label, float[] probabilities) {}

  private final Model model;
  private final NDManager manager;
  private final ParameterStore store;
  private final int[] sampleShape;
  private final int classes;
  private final SavedModel saved;

  private Classifier(Model model, SavedModel saved, int[] sampleShape, int classes) {
    this.model = model;
    this.saved = saved;
    this.manager = model.getNDManager().newSubManager();
    this.store = new ParameterStore(manager, false);
    this.sampleShape = sampleShape.clone();
    this.classes = classes;
  }

  /**
   * Loads {@code saved}, a model of Cohort's named architectures with {@code classes} classes over
   * samples of {@code sampleShape}.
   *
   * @throws IOException if the file cannot be read or does not fit the architecture, naming it
   */
  public static Classifier load(SavedModel saved, int[] sampleShape, int classes)
      throws IOException {
    if (!Models.isKnown(saved.name()) || Models.isLanguageModel(saved.name())) {
      throw new IOException(
          saved.file()
              + " is a model Cohort cannot serve ("
              + saved.name()
              + "): the registry serves the image classifiers "
              + Models.NAMES);
    }
    Model model = Model.newInstance(saved.name());
    try {
      model.setBlock(Models.byName(saved.name(), classes));
      // Loading sets every parameter from the file; the block is not initialized first (that
      // would draw random values where the file lacks one instead of failing).
      model.load(saved.file().getParent(), saved.name(), Map.of("epoch", saved.epoch()));
      return new Classifier(model, saved, sampleShape, classes);
    } catch (IOException | MalformedModelException | RuntimeException e) {
      model.close();
      throw new IOException("cannot load " + saved.file() + ": " + e.getMessage(), e);
    }
  }

  public SavedModel saved() {
    return saved;
  }

  /** The values one sample has. */
  public int sampleSize() {
    return Arrays.stream(sampleShape).reduce(1, (a, b) -> a * b);
  }

  /**
   * The class of one sample.
   *
   * @throws IllegalArgumentException when {@code sample} does not have {@link #sampleSize} values
   */
  public synchronized Prediction predict(float[] sample) {
    if (sample.length != sampleSize()) {
      throw new IllegalArgumentException(
          "a sample has "
              + sampleSize()
              + " values "
              + Arrays.toString(sampleShape)
              + ", got "
              + sample.length);
    }
    try (NDManager m = manager.newSubManager()) {
      NDArray x = m.create(sample, batchShape(1));
      NDArray p = forward(x).softmax(1);
      float[] probabilities = p.toFloatArray();
      int best = 0;
      for (int c = 1; c < probabilities.length; c++) {
        if (probabilities[c] > probabilities[best]) {
          best = c;
        }
      }
      return new Prediction(best, probabilities);
    }
  }

  private Shape batchShape(int n) {
    long[] dims = new long[sampleShape.length + 1];
    dims[0] = n;
    for (int i = 0; i < sampleShape.length; i++) {
      dims[i + 1] = sampleShape[i];
    }
    return new Shape(dims);
  }

  private NDArray forward(NDArray x) {
    return model.getBlock().forward(store, new NDList(x), false).singletonOrThrow();
  }

  /** Accuracy, mean cross-entropy and accuracy per class over {@code data}. */
  public synchronized Scores.Set score(InMemoryDataset data) {
    long[] hits = new long[classes];
    long[] seen = new long[classes];
    double loss = 0;
    int size = data.featureSize();
    for (int from = 0; from < data.size(); from += BATCH) {
      int n = Math.min(BATCH, data.size() - from);
      float[] x = new float[n * size];
      for (int i = 0; i < n; i++) {
        data.copyFeatures(from + i, x, i * size);
      }
      try (NDManager m = manager.newSubManager()) {
        NDArray logits = forward(m.create(x, batchShape(n)));
        float[] logProbabilities = logits.logSoftmax(1).toFloatArray();
        for (int i = 0; i < n; i++) {
          int label = data.label(from + i);
          int best = 0;
          for (int c = 1; c < classes; c++) {
            if (logProbabilities[i * classes + c] > logProbabilities[i * classes + best]) {
              best = c;
            }
          }
          seen[label]++;
          hits[label] += best == label ? 1 : 0;
          loss -= logProbabilities[i * classes + label];
        }
      }
    }
    List<Double> perClass = new ArrayList<>();
    long right = 0;
    for (int c = 0; c < classes; c++) {
      perClass.add(seen[c] == 0 ? Double.NaN : (double) hits[c] / seen[c]);
      right += hits[c];
    }
    int total = data.size();
    return new Scores.Set(
        total,
        total == 0 ? Double.NaN : (double) right / total,
        total == 0 ? Double.NaN : loss / total,
        perClass);
  }

  @Override
  public synchronized void close() {
    manager.close();
    model.close();
  }
}
