package dev.cohort.lab.bench;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.train.model.Models;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cohort's side of {@code cohort bench ops}, one JVM: DJL's fixed cost of one operation (an
 * element-wise add of two one-element tensors, its result freed) and the MLP's and CNN's training
 * forward pass with the loss, and forward + loss + backward, through DJL's {@link Trainer} as the
 * distributed trainer drives it. The same figures as bench/peers/torch_ops.py, in microseconds,
 * medians of {@value #ROUNDS} rounds, written as JSON.
 *
 * <p>Usage: {@code OpsProbe OUT_JSON BATCH} (libtorch threads from {@code
 * -Dai.djl.pytorch.num_threads}).
 */
public final class OpsProbe {
  static final int ROUNDS = 5;

  private OpsProbe() {}

  public static void main(String[] args) throws IOException {
    Path out = Path.of(args[0]);
    int batch = Integer.parseInt(args[1]);
    Engine.getInstance().setRandomSeed(1);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("impl", "cohort-djl");
    result.put(
        "engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.randomUniform(0, 1, new Shape(1));
      NDArray b = m.randomUniform(0, 1, new Shape(1));
      result.put(
          "add_us",
          perCallMicros(
              () -> {
                try (NDArray c = a.add(b)) {
                  c.getShape();
                }
              },
              20000));
    }
    result.put("mlp", model("mlp", batch, 300));
    result.put("cnn", model("cnn", batch, 30));
    new ObjectMapper().writeValue(out.toFile(), result);
  }

  private static Map<String, Double> model(String name, int batch, int iterations) {
    try (Model model = Model.newInstance(name)) {
      model.setBlock(Models.byName(name, 10));
      try (Trainer trainer =
          model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss()))) {
        trainer.initialize(new Shape(1, 1, 28, 28));
        NDManager root = trainer.getManager();
        NDArray x = root.randomUniform(0, 1, new Shape(batch, 1, 28, 28));
        NDArray y =
            root.randomInteger(0, 10, new Shape(batch), ai.djl.ndarray.types.DataType.INT32)
                .toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
        List<Parameter> params = new ArrayList<>();
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
          params.add(p.getValue());
        }
        Runnable forward =
            () -> {
              try (NDManager step = root.newSubManager();
                  GradientCollector grad = trainer.newGradientCollector()) {
                step.tempAttachAll(x, y);
                loss(trainer, x, y).getFloat();
              }
            };
        Runnable forwardBackward =
            () -> {
              try (NDManager step = root.newSubManager();
                  GradientCollector grad = trainer.newGradientCollector()) {
                step.tempAttachAll(x, y);
                grad.backward(loss(trainer, x, y));
              }
              zeroGradients(params);
            };
        forwardBackward.run();
        Map<String, Double> r = new LinkedHashMap<>();
        r.put("forward_us", perCallMicros(forward, iterations));
        r.put("forward_backward_us", perCallMicros(forwardBackward, iterations));
        return r;
      }
    }
  }

  private static NDArray loss(Trainer trainer, NDArray x, NDArray y) {
    NDList pred = trainer.forward(new NDList(x));
    return trainer.getLoss().evaluate(new NDList(y), pred);
  }

  /** Zeroes each gradient in libtorch's memory, as the gradient synchronization does. */
  private static void zeroGradients(List<Parameter> params) {
    for (Parameter p : params) {
      try (NDArray g = p.getArray().getGradient()) {
        ByteBuffer view = g.toByteBuffer(true);
        while (view.remaining() >= 8) {
          view.putLong(0L);
        }
        while (view.hasRemaining()) {
          view.put((byte) 0);
        }
      }
    }
  }

  private static double perCallMicros(Runnable fn, int iterations) {
    List<Double> rounds = new ArrayList<>();
    for (int r = 0; r < ROUNDS; r++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < iterations; i++) {
        fn.run();
      }
      rounds.add((System.nanoTime() - t0) / 1e3 / iterations);
    }
    return BenchMath.median(rounds);
  }
}
