package dev.cohort.comm.transport;

/** What every pair knows about its peer, and how it names itself in messages. */
public abstract class AbstractPair implements Pair {
  private final int peerRank;
  private final String peerAddress;

  protected AbstractPair(int peerRank, String peerAddress) {
    this.peerRank = peerRank;
    this.peerAddress = peerAddress;
  }

  @Override
  public final int peerRank() {
    return peerRank;
  }

  @Override
  public final String peerAddress() {
    return peerAddress;
  }

  @Override
  public String toString() {
    return kind() + " pair to rank " + peerRank + " (" + peerAddress + ")";
  }
}
