package dev.cohort.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The PyTorch DDP peer of {@code cohort bench train} and {@code cohort bench zero}: {@code
 * --no-peer}, {@code --python} and {@code --peer-script}.
 */
final class DdpPeerOptions {
  @Option(names = "--no-peer", description = "Skip PyTorch.")
  boolean noPeer;

  @Option(
      names = "--python",
      defaultValue = "/usr/bin/python3",
      description = "Interpreter with python3-torch.")
  Path python;

  @Option(
      names = "--peer-script",
      defaultValue = "bench/peers/ddp_train.py",
      description = "The DDP script.")
  Path peerScript;

  /** The interpreter to run the peer with; null when skipped or it cannot run (after a warning). */
  Path interpreter() {
    return noPeer ? null : BenchCommand.peer(python, peerScript);
  }
}
