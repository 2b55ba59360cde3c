package dev.cohort.train.model.gpt;

import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;

/**
 * The GPT as a sequence of pieces: embeddings, {@code layers} transformer blocks, the final
 * LayerNorm and the LM head. Input: tokens {@code (batch, time)}; output: logits {@code (batch,
 * time, vocabulary)}, position t predicting token t + 1 from tokens up to t.
 */
public final class Gpt {
  private Gpt() {}

  /** The uninitialized model; initialize it with input shape {@code (1, context)}. */
  public static SequentialBlock build(GptConfig cfg) {
    SequentialBlock net = new SequentialBlock().add(new Embeddings(cfg));
    for (int i = 0; i < cfg.layers(); i++) {
      net.add(new TransformerBlock(cfg));
    }
    return net.add(LayerNorm.builder().axis(2).build())
        .add(Linear.builder().setUnits(cfg.vocabulary()).build());
  }
}
