package dev.cohort.comm.transport;

import java.io.IOException;

/**
 * A transfer that may not start until another is done: how pipelined schedules say "forward piece p
 * once piece p has arrived" without blocking the rest of the exchange.
 */
public final class GatedTransfer implements Transfer {
  private final Transfer inner;
  private final Transfer gate;

  public GatedTransfer(Transfer inner, Transfer gate) {
    this.inner = inner;
    this.gate = gate;
  }

  /** {@code inner} itself when there is no gate. */
  public static Transfer after(Transfer gate, Transfer inner) {
    return gate == null ? inner : new GatedTransfer(inner, gate);
  }

  @Override
  public boolean step() throws IOException {
    return gate.done() && inner.step();
  }

  @Override
  public boolean done() {
    return inner.done();
  }

  @Override
  public boolean ready() {
    return gate.done();
  }

  @Override
  public Pair pair() {
    return inner.pair();
  }

  @Override
  public boolean isReceive() {
    return inner.isReceive();
  }

  @Override
  public long payloadBytes() {
    return inner.payloadBytes();
  }

  @Override
  public String progress() {
    return gate.done() ? inner.progress() : inner.progress() + " (waiting for an earlier piece)";
  }
}
