package dev.cohort.comm.collective;

import dev.cohort.comm.DataType;
import dev.cohort.comm.ReduceOp;
import dev.cohort.comm.Tensor;
import dev.cohort.comm.transport.CopyInbound;
import dev.cohort.comm.transport.Exchange;
import dev.cohort.comm.transport.OpContext;
import dev.cohort.comm.transport.Pair;
import dev.cohort.comm.transport.RecvTransfer;
import dev.cohort.comm.transport.SendTransfer;
import dev.cohort.comm.transport.Transfer;
import java.util.List;

/**
 * What an algorithm needs to run one collective: this rank, the group's pairs, the exchange that
 * drives transfers, and the operation's identity (sequence number, deadline) that every message
 * header and error carries. Built per call by the process group.
 */
public final class CollectiveContext {
  private final int rank;
  private final int size;
  private final Pair[] pairs;
  private final Exchange exchange;
  private final OpContext op;
  private final int pieceBytes;
  private final Scratch scratch;

  public CollectiveContext(
      int rank,
      int size,
      Pair[] pairs,
      Exchange exchange,
      OpContext op,
      int pieceBytes,
      Scratch scratch) {
    this.rank = rank;
    this.size = size;
    this.pairs = pairs;
    this.exchange = exchange;
    this.op = op;
    this.pieceBytes = pieceBytes;
    this.scratch = scratch;
  }

  /**
   * A temporary tensor owned by the group, valid until the next call. Collectives must not allocate
   * direct memory per call: the JDK frees it only after a GC, and when its limit is hit it stalls
   * the allocating thread in System.gc() and sleeps.
   */
  public Tensor scratch(DataType type, int count) {
    return scratch.tensor(type, count);
  }

  public int rank() {
    return rank;
  }

  public int size() {
    return size;
  }

  public OpContext op() {
    return op;
  }

  /** Largest message a pipelined schedule sends at once. */
  public int pieceBytes() {
    return pieceBytes;
  }

  /** Sends {@code t}'s bytes to {@code peer} under {@code tag}. */
  public Transfer send(int peer, Tensor t, int tag) {
    return new SendTransfer(pair(peer), op.seq(), tag, t.bytes());
  }

  /** Receives {@code t.byteSize()} bytes from {@code peer} into {@code t}. */
  public Transfer recv(int peer, Tensor t, int tag) {
    return new RecvTransfer(pair(peer), op.seq(), tag, new CopyInbound(t.bytes()));
  }

  /** Receives {@code t.count()} elements from {@code peer}, combining them into {@code t}. */
  public Transfer recvReduce(int peer, Tensor t, ReduceOp reduceOp, int tag) {
    return new RecvTransfer(pair(peer), op.seq(), tag, new ReduceInbound(t, reduceOp));
  }

  /** Runs the transfers to completion (see {@link Exchange#run}). */
  public void run(List<? extends Transfer> transfers) {
    exchange.run(op, transfers);
  }

  public void run(Transfer... transfers) {
    exchange.run(op, List.of(transfers));
  }

  private Pair pair(int peer) {
    Pair p = pairs[peer];
    if (p == null) {
      throw new IllegalStateException(op.describe() + ": no connection to rank " + peer);
    }
    return p;
  }
}
