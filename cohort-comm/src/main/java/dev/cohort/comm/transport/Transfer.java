package dev.cohort.comm.transport;

import java.io.IOException;

/** One message in flight on one pair, advanced a little at a time by an {@link Exchange}. */
public interface Transfer {

  /** Moves as many bytes as possible without blocking; true if any moved. */
  boolean step() throws IOException;

  boolean done();

  /** False while the transfer waits for another one (see {@link GatedTransfer}). */
  default boolean ready() {
    return true;
  }

  Pair pair();

  /** True for receives: used to pick what to wait for and to word errors. */
  boolean isReceive();

  /** Payload bytes this transfer moves, headers and padding excluded: for statistics. */
  long payloadBytes();

  /** Progress in words, e.g. "receiving 4194304 bytes, 1048576 done". */
  String progress();
}
