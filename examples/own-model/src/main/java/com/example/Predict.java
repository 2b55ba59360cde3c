package com.example;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Loads the model {@link Train} saved and classifies test images with plain DJL: no Cohort class is
 * used here, so this is what any DJL program (a service, a batch job) does with a model trained by
 * Cohort.
 *
 * <pre>
 * java -cp target/own-model.jar com.example.Predict RUN/model [MIN_ACCURACY]
 * </pre>
 *
 * <p>Prints {@code accuracy 0.xxxx on 1000 test images}; exits with status 1 when the accuracy is
 * below {@code MIN_ACCURACY} (default 0: never).
 */
public final class Predict {
  private static final int IMAGES = 1000;

  private Predict() {}

  public static void main(String[] args) throws IOException, MalformedModelException {
    if (args.length < 1 || args.length > 2) {
      System.err.println("usage: Predict MODEL_DIR [MIN_ACCURACY]");
      System.exit(2);
    }
    double minAccuracy = args.length > 1 ? Double.parseDouble(args[1]) : 0;
    double accuracy = accuracy(Path.of(args[0]));
    System.out.printf("accuracy %.4f on %d test images%n", accuracy, IMAGES);
    if (accuracy < minAccuracy) {
      System.err.printf("accuracy %.4f is below the required %.4f%n", accuracy, minAccuracy);
      System.exit(1);
    }
  }

  /** The share of the first {@link #IMAGES} test images that the saved model classifies right. */
  static double accuracy(Path modelDir) throws IOException, MalformedModelException {
    // The same name and architecture as in training; load() then reads
    // MODEL_DIR/own-model-0000.params into the block.
    try (Model model = Model.newInstance("own-model");
        NDManager manager = NDManager.newBaseManager()) {
      model.setBlock(OwnModel.build(10));
      model.load(modelDir);

      ArrayDataset test = FashionData.test(manager, IMAGES, 100);
      // Inference mode: BatchNorm uses its running statistics, Dropout passes everything through.
      ParameterStore parameters = new ParameterStore(manager, false);
      long correct = 0;
      for (Batch batch : test.getData(manager)) {
        try (batch) {
          NDArray images = batch.getData().head();
          NDArray labels = batch.getLabels().head();
          NDArray scores =
              model.getBlock().forward(parameters, new NDList(images), false).singletonOrThrow();
          // The predicted class is the one with the highest score.
          NDArray predicted = scores.argMax(1).toType(labels.getDataType(), false);
          correct += predicted.eq(labels).sum().getLong();
        }
      }
      return (double) correct / IMAGES;
    } catch (TranslateException e) {
      throw new IllegalStateException("cannot read the test images: " + e.getMessage(), e);
    }
  }
}
