package dev.cohort.train.pipeline.schedule;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One thing a rank does in a pipeline step, written like {@code 2F0} (stage 2, forward of
 * micro-batch 0), {@code 1RECV_B3} (stage 1 receives the gradient of micro-batch 3 from stage 2) or
 * {@code 0STEP} (stage 0's optimizer step).
 *
 * @param type what is done
 * @param stage the stage (0 is the first layers), global over all ranks and virtual stages
 * @param microBatch the micro-batch, from 0; -1 for {@link Type#STEP}
 */
public record Action(Type type, int stage, int microBatch) {

  /** What an action does. Sends and receives name the stage that does them. */
  public enum Type {
    /** Forward of a micro-batch through the stage (with the loss on the last stage). */
    FORWARD("F"),
    /** Backward of a micro-batch from its upstream gradient (the loss on the last stage). */
    BACKWARD("B"),
    /** Sends the stage's output activation to the next stage. */
    SEND_ACTIVATION("SEND_F"),
    /** Receives the previous stage's output activation as this stage's input. */
    RECV_ACTIVATION("RECV_F"),
    /** Sends the gradient of the stage's input to the previous stage. */
    SEND_GRADIENT("SEND_B"),
    /** Receives the gradient of the stage's output from the next stage. */
    RECV_GRADIENT("RECV_B"),
    /** The optimizer step of the stage's parameters, once per global batch. */
    STEP("STEP");

    final String code;

    Type(String code) {
      this.code = code;
    }

    /** Sends and receives. */
    public boolean isTransfer() {
      return this == SEND_ACTIVATION
          || this == RECV_ACTIVATION
          || this == SEND_GRADIENT
          || this == RECV_GRADIENT;
    }
  }

  private static final Pattern TEXT =
      Pattern.compile("(\\d+)(SEND_F|RECV_F|SEND_B|RECV_B|STEP|F|B)(\\d*)");

  public Action {
    if (stage < 0) {
      throw new IllegalArgumentException("stage must be >= 0, got " + stage);
    }
    if (type == Type.STEP ? microBatch != -1 : microBatch < 0) {
      throw new IllegalArgumentException(
          type
              + " needs "
              + (type == Type.STEP ? "no micro-batch (-1)" : "a micro-batch >= 0")
              + ", got "
              + microBatch);
    }
  }

  public static Action forward(int stage, int microBatch) {
    return new Action(Type.FORWARD, stage, microBatch);
  }

  public static Action backward(int stage, int microBatch) {
    return new Action(Type.BACKWARD, stage, microBatch);
  }

  public static Action step(int stage) {
    return new Action(Type.STEP, stage, -1);
  }

  /**
   * Reads the written form, e.g. {@code 2F0}, {@code 1SEND_B3}, {@code 0STEP}.
   *
   * @throws IllegalArgumentException naming the text and the expected form
   */
  public static Action parse(String text) {
    Matcher m = TEXT.matcher(text.strip().toUpperCase(Locale.ROOT));
    if (!m.matches() || (m.group(2).equals("STEP") != m.group(3).isEmpty())) {
      throw new IllegalArgumentException(
          "cannot read the pipeline action '"
              + text
              + "': expected <stage><F|B|SEND_F|RECV_F|SEND_B|RECV_B><micro-batch> or"
              + " <stage>STEP, e.g. 2F0, 1RECV_B3, 0STEP");
    }
    int stage = Integer.parseInt(m.group(1));
    for (Type t : Type.values()) {
      if (t.code.equals(m.group(2))) {
        return new Action(t, stage, t == Type.STEP ? -1 : Integer.parseInt(m.group(3)));
      }
    }
    throw new AssertionError(m.group(2));
  }

  @Override
  public String toString() {
    return stage + type.code + (type == Type.STEP ? "" : Integer.toString(microBatch));
  }
}
