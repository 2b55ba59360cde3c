package dev.cohort.comm.transport;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.CommException;
import dev.cohort.comm.CommTimeoutException;
import dev.cohort.comm.Store;
import dev.cohort.comm.WorldFormationException;
import dev.cohort.comm.auth.Handshake;
import dev.cohort.comm.seal.Session;
import dev.cohort.comm.transport.shm.ShmTransport;
import dev.cohort.comm.transport.tcp.TcpPair;
import dev.cohort.comm.wire.FrameReader;
import dev.cohort.comm.wire.FrameWriter;
import dev.cohort.comm.wire.Frames;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;

/**
 * Connects every rank of a group to every other rank: one authenticated TCP connection per pair,
 * upgraded to shared memory where both ranks share a host and the configuration allows it.
 *
 * <p>Protocol: each rank listens, publishes {@code addr/<rank>} = "host:port|hostId" in the store,
 * dials every lower rank and accepts every higher one. A dial may wait in the lower rank's backlog
 * until that rank has finished its own dials, which by induction always happens, so the order
 * cannot deadlock. Then the lower rank runs every handshake on its own thread ({@link
 * MeshAcceptor}), so a silent stranger delays no one. The lower rank of each pair decides the
 * transport transport. TCP pairs are encrypted when either rank asks ({@link
 * CommConfig#encryptsData()}, or a peer address that is not loopback); the frames that follow the
 * handshake already travel encrypted then.
 */
public final class Mesh {
  private static final String ACK = "ok";

  private Mesh() {}

  /**
   * Builds all pairs for {@code rank}. The returned array has null at index {@code rank}.
   *
   * @throws WorldFormationException if a peer claims a wrong rank or world size
   * @throws CommTimeoutException if peers do not show up within the configured timeout
   */
  public static Pair[] connect(CommConfig cfg, Store store, int rank, int size) {
    return connect(cfg, store, rank, size, Thread::new);
  }

  /**
   * As {@link #connect(CommConfig, Store, int, int)}, with handshake threads from {@code threads}.
   */
  static Pair[] connect(CommConfig cfg, Store store, int rank, int size, ThreadFactory threads) {
    Pair[] pairs = new Pair[size];
    if (size == 1) {
      return pairs;
    }
    boolean shmWanted =
        cfg.transport() != CommConfig.TransportKind.TCP
            && ShmTransport.available(cfg.shmDirectory());
    if (shmWanted) {
      ShmTransport.sweepOnce(cfg.shmDirectory());
    }
    long deadline = System.nanoTime() + cfg.timeout().toNanos();
    try (ServerSocketChannel listener = listen(cfg, rank)) {
      int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
      String me = cfg.advertiseAddress() + ":" + port;
      try (MeshAcceptor acceptor = new MeshAcceptor(cfg, listener, rank, me, deadline, threads)) {
        store.set("addr/" + rank, (me + "|" + HostId.current()).getBytes(UTF_8));
        String[] addr = new String[size];
        String[] host = new String[size];
        for (int j = 0; j < size; j++) {
          if (j != rank) {
            String[] v =
                new String(
                        store.get("addr/" + j, left(deadline, cfg, rank, "addr of rank " + j)),
                        UTF_8)
                    .split("\\|", 2);
            addr[j] = v[0];
            host[j] = v.length > 1 ? v[1] : "";
          }
        }
        for (int j = 0; j < rank; j++) {
          pairs[j] = dial(cfg, rank, size, j, addr[j], host[j], deadline);
        }
        for (int accepted = 0; accepted < size - 1 - rank; accepted++) {
          MeshAcceptor.Joined joined = acceptor.next(deadline);
          if (joined == null) {
            throw timedOut(cfg, rank, size, pairs, addr, acceptor.lastDropped());
          }
          accept(cfg, joined, rank, size, pairs, addr, host, shmWanted, deadline);
        }
      }
      return pairs;
    } catch (IOException | RuntimeException e) {
      for (Pair p : pairs) {
        if (p != null) {
          p.close();
        }
      }
      if (e instanceof CommException ce) {
        throw ce;
      }
      throw new CommException("rank " + rank + " failed to connect to its peers: " + e, e);
    }
  }

  private static ServerSocketChannel listen(CommConfig cfg, int rank) throws IOException {
    int lo = cfg.portMin();
    int hi = cfg.portMax();
    IOException last = null;
    for (int port = lo; port <= hi; port++) {
      ServerSocketChannel ch = ServerSocketChannel.open();
      try {
        ch.setOption(StandardSocketOptions.SO_RCVBUF, Math.max(64 * 1024, cfg.socketBufferBytes()));
        ch.bind(new InetSocketAddress(cfg.bindAddress(), port), 1024);
        ch.configureBlocking(false);
        return ch;
      } catch (IOException e) {
        ch.close();
        last = e;
      }
    }
    throw new CommException(
        "rank "
            + rank
            + " cannot listen on "
            + cfg.bindAddress()
            + " ports "
            + lo
            + "-"
            + hi
            + ": "
            + (last instanceof BindException ? "all in use" : String.valueOf(last))
            + "; widen COHORT_PORT_RANGE or free a port",
        last);
  }

  private static Pair dial(
      CommConfig cfg, int rank, int size, int peer, String address, String host, long deadline)
      throws IOException {
    int colon = address.lastIndexOf(':');
    InetSocketAddress target =
        new InetSocketAddress(
            address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
    String what = "rank " + peer + " (" + address + ")";
    SocketChannel ch = SocketChannel.open();
    try {
      tune(cfg, ch);
      // Leave from the interface we listen on: on a multi-homed host (or an emulated network that
      // tells ranks apart by address) the peer then sees the address this rank is known by.
      ch.bind(new InetSocketAddress(cfg.bindAddress(), 0));
      int ms = (int) Math.max(1, left(deadline, cfg, rank, "connect to " + what).toMillis());
      ch.socket().connect(target, ms);
      ch.socket().setSoTimeout(ms);
      DataInputStream raw = new DataInputStream(ch.socket().getInputStream());
      DataOutputStream rawOut =
          new DataOutputStream(new BufferedOutputStream(ch.socket().getOutputStream()));
      boolean encrypt = cfg.encryptsData() || cfg.encryption().wantedFor(target.getHostString());
      Session session =
          Handshake.client(raw, rawOut, cfg.secret(), Handshake.Purpose.DATA, encrypt, what);
      DataInputStream in = session.input(raw, what);
      DataOutputStream out = session.output(rawOut);
      Frames.write(out, new FrameWriter().i32(rank).i32(size).toByteArray());
      FrameReader verdict = new FrameReader(Frames.read(in, 4096, what), what);
      String answer = verdict.string();
      if (!ACK.equals(answer)) {
        throw new WorldFormationException(what + " refused rank " + rank + ": " + answer);
      }
      String transport = new FrameReader(Frames.read(in, 64, what), what).string();
      Pair p =
          "shm".equals(transport)
              ? ShmTransport.open(peer, address, ch, in, out, cfg.shmDirectory())
              : new TcpPair(peer, address, ch, session, HostId.sameMachine(host));
      ch.socket().setSoTimeout(0);
      return p;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e instanceof CommException ce
          ? ce
          : new CommException("rank " + rank + " could not connect to " + what + ": " + e, e);
    }
  }

  /**
   * Takes a peer that passed the handshake: checks its rank and world size, answers, and builds the
   * pair on the transport this rank chooses.
   *
   * @throws WorldFormationException if the peer's rank or world size is wrong
   */
  private static void accept(
      CommConfig cfg,
      MeshAcceptor.Joined joined,
      int rank,
      int size,
      Pair[] pairs,
      String[] addr,
      String[] host,
      boolean shmWanted,
      long deadline)
      throws IOException {
    SocketChannel ch = joined.channel();
    try {
      joined.bounded().setDeadline(deadline);
      int peer = joined.peer();
      int peerSize = joined.peerSize();
      String problem =
          peerSize != size
              ? "world size " + peerSize + " differs from ours (" + size + ")"
              : peer <= rank || peer >= size
                  ? "rank " + peer + " should not dial rank " + rank
                  : pairs[peer] != null
                      ? "rank " + peer + " is already connected (duplicate rank?)"
                      : null;
      DataOutputStream out = joined.out();
      Frames.write(out, new FrameWriter().string(problem == null ? ACK : problem).toByteArray());
      if (problem != null) {
        throw new WorldFormationException(
            "rank " + rank + " refused " + joined.what() + ": " + problem);
      }
      boolean shm = shmWanted && HostId.current().equals(host[peer]);
      Frames.write(out, new FrameWriter().string(shm ? "shm" : "tcp").toByteArray());
      pairs[peer] =
          shm
              ? ShmTransport.create(
                  rank,
                  peer,
                  addr[peer],
                  ch,
                  joined.in(),
                  out,
                  cfg.shmDirectory(),
                  cfg.shmRingBytes())
              : new TcpPair(peer, addr[peer], ch, joined.session(), HostId.sameMachine(host[peer]));
      joined.bounded().lift();
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private static CommTimeoutException timedOut(
      CommConfig cfg, int rank, int size, Pair[] pairs, String[] addr, String dropped) {
    StringBuilder missing = new StringBuilder();
    for (int j = rank + 1; j < size; j++) {
      if (pairs[j] == null) {
        missing.append(' ').append(j).append(" (").append(addr[j]).append(')');
      }
    }
    return new CommTimeoutException(
        "rank "
            + rank
            + " waited "
            + cfg.timeout().toMillis()
            + " ms for connections from ranks"
            + missing
            + (dropped == null
                ? ""
                : "; it dropped a connection that failed the handshake (a peer with another "
                    + "COHORT_SECRET, or not a Cohort peer): "
                    + dropped));
  }

  static void tune(CommConfig cfg, SocketChannel ch) throws IOException {
    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
    if (cfg.socketBufferBytes() > 0) {
      ch.setOption(StandardSocketOptions.SO_SNDBUF, cfg.socketBufferBytes());
      ch.setOption(StandardSocketOptions.SO_RCVBUF, cfg.socketBufferBytes());
    }
  }

  /**
   * Each rank's host identity ({@link HostId}), by rank, as the ranks published it while {@link
   * #connect} formed the mesh (so it is there to read at once).
   */
  public static List<String> hosts(CommConfig cfg, Store store, int rank, int size) {
    long deadline = System.nanoTime() + cfg.timeout().toNanos();
    List<String> hosts = new ArrayList<>();
    for (int j = 0; j < size; j++) {
      if (j == rank) {
        hosts.add(HostId.current());
        continue;
      }
      String v =
          new String(store.get("addr/" + j, left(deadline, cfg, rank, "host of rank " + j)), UTF_8);
      int bar = v.indexOf('|');
      hosts.add(bar < 0 ? "" : v.substring(bar + 1));
    }
    return hosts;
  }

  private static Duration left(long deadline, CommConfig cfg, int rank, String what) {
    long ns = deadline - System.nanoTime();
    if (ns <= 0) {
      throw new CommTimeoutException(
          "rank "
              + rank
              + " ran out of time ("
              + cfg.timeout().toMillis()
              + " ms) forming the group: "
              + what);
    }
    return Duration.ofNanos(ns);
  }
}
