package dev.cohort.train.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import dev.cohort.train.data.text.CharVocabulary;
import dev.cohort.train.model.gpt.Gpt;
import dev.cohort.train.model.gpt.GptConfig;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The built-in models. Any DJL {@link Block} works with the distributed trainer; these two are the
 * ones the quickstart, tests and benchmarks use, with PyTorch twins in bench/peers.
 */
public final class Models {
  private Models() {}

  /** Names accepted by {@link #byName}. */
  public static final List<String> NAMES =
      List.of("mlp", "cnn", "cnn-bn", "mlp-dropout", "mlp-wide", "gpt", "gpt-tiny");

  /**
   * The language model at any size: {@code gpt-<layers>x<width>}, e.g. {@code gpt-8x256}, has the
   * small preset's context (128) and one head per 32 of width.
   */
  private static final Pattern SIZED_GPT = Pattern.compile("gpt-([0-9]{1,4})x([0-9]{1,5})");

  /** How {@link #SIZED_GPT} names are written in messages. */
  public static final String SIZED_GPT_NAMES = "gpt-<layers>x<width>";

  /** Whether {@code name} names a built-in model: one of {@link #NAMES} or a sized GPT. */
  public static boolean isKnown(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return NAMES.contains(n) || SIZED_GPT.matcher(n).matches();
  }

  /**
   * Whether the named model is the character-level language model ({@code gpt}: the small preset,
   * {@code gpt-tiny}, or {@code gpt-<layers>x<width>}), trained on text rather than Fashion-MNIST.
   */
  public static boolean isLanguageModel(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.equals("gpt") || n.equals("gpt-tiny") || SIZED_GPT.matcher(n).matches();
  }

  /**
   * The language model's sizes, for {@link #isLanguageModel} names.
   *
   * @throws IllegalArgumentException if it is not the language model, or a sized one's width is not
   *     a multiple of 32
   */
  public static GptConfig gptConfig(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (!isLanguageModel(n)) {
      throw new IllegalArgumentException(
          name + " is not the language model (gpt, gpt-tiny, " + SIZED_GPT_NAMES + ")");
    }
    Matcher sized = SIZED_GPT.matcher(n);
    if (sized.matches()) {
      int layers = Integer.parseInt(sized.group(1));
      int width = Integer.parseInt(sized.group(2));
      if (layers < 1 || width < 32 || width % 32 != 0) {
        throw new IllegalArgumentException(
            name + ": a sized GPT needs at least 1 layer and a width that is a multiple of 32");
      }
      GptConfig small = GptConfig.preset("small", CharVocabulary.SIZE);
      return new GptConfig(
          CharVocabulary.SIZE, small.context(), layers, width / 32, width, small.dropout());
    }
    return GptConfig.preset(n.equals("gpt") ? "small" : "tiny", CharVocabulary.SIZE);
  }

  /** MLP: flatten, 784 -> 256 -> 128 -> classes, ReLU between. */
  public static Block mlp(int classes) {
    return new SequentialBlock()
        .add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(256).build())
        .add(Activation.reluBlock())
        .add(Linear.builder().setUnits(128).build())
        .add(Activation.reluBlock())
        .add(Linear.builder().setUnits(classes).build());
  }

  /**
   * Small CNN: conv 3x3x32, ReLU, max-pool 2; conv 3x3x64, ReLU, max-pool 2; dense 128, ReLU; dense
   * classes.
   */
  public static Block cnn(int classes) {
    return convNet(classes, false);
  }

  /**
   * The CNN with batch normalization: conv 3x3x32 (no bias: BatchNorm's beta is the bias),
   * BatchNorm, ReLU, max-pool 2; conv 3x3x64, BatchNorm, ReLU, max-pool 2; dense 128, ReLU; dense
   * classes. Its BatchNorm running statistics are buffers that data parallelism has to keep
   * identical; with {@code --sync-bn} its batch statistics span all workers.
   */
  public static Block cnnBatchNorm(int classes) {
    return convNet(classes, true);
  }

  /** Two conv blocks (with BatchNorm after each conv if asked), then two dense layers. */
  private static Block convNet(int classes, boolean batchNorm) {
    SequentialBlock net = new SequentialBlock();
    for (int filters : new int[] {32, 64}) {
      net.add(
          Conv2d.builder()
              .setKernelShape(new Shape(3, 3))
              .optPadding(new Shape(1, 1))
              .setFilters(filters)
              .build());
      if (batchNorm) {
        net.add(BatchNorm.builder().build());
      }
      net.add(Activation.reluBlock()).add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)));
    }
    return net.add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(128).build())
        .add(Activation.reluBlock())
        .add(Linear.builder().setUnits(classes).build());
  }

  /**
   * The MLP with dropout (rate 0.3) after each hidden layer: a model whose training draws randoms.
   */
  public static Block mlpDropout(int classes) {
    return new SequentialBlock()
        .add(Blocks.batchFlattenBlock())
        .add(Linear.builder().setUnits(256).build())
        .add(Activation.reluBlock())
        .add(Dropout.builder().optRate(0.3f).build())
        .add(Linear.builder().setUnits(128).build())
        .add(Activation.reluBlock())
        .add(Dropout.builder().optRate(0.3f).build())
        .add(Linear.builder().setUnits(classes).build());
  }

  /**
   * The wide MLP: flatten, 784 -> 1024 -> 1024 -> 1024 -> classes, ReLU between (2.9 million
   * parameters, 11.7 MB of gradients per step). Little compute for its size: a model whose steps
   * are dominated by communication on a slow link, to measure what overlapping it buys.
   */
  public static Block mlpWide(int classes) {
    SequentialBlock net = new SequentialBlock().add(Blocks.batchFlattenBlock());
    for (int i = 0; i < 3; i++) {
      net.add(Linear.builder().setUnits(1024).build()).add(Activation.reluBlock());
    }
    return net.add(Linear.builder().setUnits(classes).build());
  }

  /**
   * The most libtorch threads worth giving one worker of the named model: 1 for the small MLPs
   * ({@code mlp}, {@code mlp-dropout}), no limit for the others.
   *
   * <p>The small MLP's operations take microseconds, too short to split: a second thread gains
   * little and ends each operation at an OpenMP barrier, which on a busy machine waits for a thread
   * the JVM's own threads (compiler, collector) have preempted. On the 2-core VM one worker with 2
   * threads took 2.70–2.80 ms per step (p99 30–50 ms), with 1 thread 1.37–1.42 ms.
   *
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  public static int usefulThreads(String name) {
    String known = name.toLowerCase(Locale.ROOT);
    if (!isKnown(known)) {
      throw unknown(name);
    }
    return known.equals("mlp") || known.equals("mlp-dropout") ? 1 : Integer.MAX_VALUE;
  }

  /**
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  public static Block byName(String name, int classes) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "mlp" -> mlp(classes);
      case "cnn" -> cnn(classes);
      case "cnn-bn" -> cnnBatchNorm(classes);
      case "mlp-dropout" -> mlpDropout(classes);
      case "mlp-wide" -> mlpWide(classes);
      default -> {
        if (!isLanguageModel(name)) {
          throw unknown(name);
        }
        yield Gpt.build(gptConfig(name));
      }
    };
  }

  private static IllegalArgumentException unknown(String name) {
    return new IllegalArgumentException(
        "unknown model '" + name + "'; choose one of " + NAMES + " or " + SIZED_GPT_NAMES);
  }
}
