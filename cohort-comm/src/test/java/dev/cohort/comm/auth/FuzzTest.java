package dev.cohort.comm.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.comm.CommConfig;
import dev.cohort.comm.ThreadWorld;
import dev.cohort.comm.auth.Handshake.Purpose;
import dev.cohort.comm.store.StoreServer;
import dev.cohort.comm.store.TcpStore;
import dev.cohort.comm.transport.TwoRankMesh;
import dev.cohort.comm.wire.FrameWriter;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile traffic against the store and a rank's data listener ({@link FuzzCases}): 10^5
 * connections in all (COHORT_FUZZ_CASES changes the count), none accepted, both still serve a
 * correct client afterwards, and neither threads nor heap grow with the number of attacks.
 */
@Timeout(300)
class FuzzTest {
  private static final int CASES =
      Integer.parseInt(System.getenv().getOrDefault("COHORT_FUZZ_CASES", "100000"));
  private static final byte[] SECRET = ThreadWorld.SECRET;

  @Test
  void theStoreShouldRefuseEveryHostileConnectionAndServeAfterwards() throws Exception {
    try (StoreServer server = StoreServer.start("127.0.0.1", 0, SECRET, 1 << 20)) {
      Baseline before = Baseline.now();
      byte[] recorded = genuineProof(server.port(), Purpose.STORE);
      int n = CASES * 6 / 10;
      attack(server.port(), Purpose.STORE, recorded, n, 1);
      try (TcpStore c = TwoRankMesh.client(server, Duration.ofSeconds(10))) {
        c.set("still", "serving".getBytes(StandardCharsets.UTF_8));
        assertThat(c.get("still", Duration.ofSeconds(5)))
            .isEqualTo("serving".getBytes(StandardCharsets.UTF_8));
      }
      before.assertBounded("store after " + n + " hostile connections");
    }
  }

  @Test
  void aDataListenerShouldRefuseEveryHostileConnectionAndStillFormTheGroup() throws Exception {
    try (StoreServer server = StoreServer.start("127.0.0.1", 0, SECRET, 1 << 20)) {
      CommConfig cfg =
          ThreadWorld.config(CommConfig.TransportKind.TCP).toBuilder()
              .timeout(Duration.ofSeconds(240))
              .build();
      Baseline before = Baseline.now();
      try (TcpStore s = TwoRankMesh.client(server, Duration.ofSeconds(10))) {
        // Rank 0 accepts once it knows every address; rank 1's real one replaces this later.
        s.set("addr/1", "127.0.0.1:1|elsewhere".getBytes(StandardCharsets.UTF_8));
      }
      CompletableFuture<Integer> rank0 =
          CompletableFuture.supplyAsync(
              () -> TwoRankMesh.connectAndSum(cfg, server, 0, Duration.ofSeconds(10)));
      int port = TwoRankMesh.dataPort(server, 0, Duration.ofSeconds(30));
      byte[] recorded = genuineProof(port, Purpose.DATA);
      int n = CASES - CASES * 6 / 10;
      attack(port, Purpose.DATA, recorded, n, 2);
      assertThat(rank0).as("no hostile connection may complete the group").isNotDone();
      int rank1 = TwoRankMesh.connectAndSum(cfg, server, 1, Duration.ofSeconds(10));
      assertThat(rank0.get(60, TimeUnit.SECONDS)).isEqualTo(3);
      assertThat(rank1).isEqualTo(3);
      before.assertBounded("data listener after " + n + " hostile connections");
    }
  }

  /**
   * Plays {@code n} cases of every kind in turn, each on a new connection, from a few threads at
   * once (as a flood would come), and checks each.
   */
  private static void attack(int port, Purpose purpose, byte[] recorded, int n, long seed)
      throws Exception {
    int threads = 3;
    List<CompletableFuture<Integer>> attackers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int share = n / threads + (t < n % threads ? 1 : 0);
      Random r = new Random(seed * 31 + t);
      attackers.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return attack(port, new FuzzCases(SECRET, purpose, recorded), share, r);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              }));
    }
    int completed = 0;
    for (CompletableFuture<Integer> a : attackers) {
      completed += a.get(240, TimeUnit.SECONDS);
    }
    assertThat(completed).as("cases that ran to the end").isGreaterThan(n / 2);
  }

  private static int attack(int port, FuzzCases cases, int n, Random r) throws IOException {
    int completed = 0;
    for (int i = 0; i < n; i++) {
      int kind = i % FuzzCases.KINDS;
      try (Socket s = new Socket("127.0.0.1", port)) {
        s.setSoLinger(true, 0); // a reset, not TIME_WAIT: 10^5 connections would use up ports
        s.setSoTimeout(10_000);
        DataInputStream in = new DataInputStream(s.getInputStream());
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
        FuzzCases.Expect expect;
        try {
          expect = cases.play(kind, r, in, out);
          s.shutdownOutput(); // a server waiting for more bytes sees the end at once
        } catch (SocketException | EOFException e) {
          continue; // the server hung up while we were still talking: also a refusal
        }
        assertThat(outcome(in, expect)).as("case %d (kind %d)", i, kind).isTrue();
        completed++;
      }
    }
    return completed;
  }

  /** True if the server did what {@code expect} says: refused the proof, and closed. */
  private static boolean outcome(DataInputStream in, FuzzCases.Expect expect) throws IOException {
    try {
      if (expect == FuzzCases.Expect.REFUSED) {
        int len = in.readInt();
        byte[] verdict = new byte[len];
        in.readFully(verdict);
        if (verdict[0] != 1) {
          return false; // accepted a wrong or replayed proof
        }
      }
      while (in.read() >= 0) {
        // a refusal reason may come before the close; nothing else may
      }
      return true;
    } catch (SocketException | EOFException e) {
      return true; // reset or closed
    }
  }

  /** A genuine client's PROOF payload, for replay: the handshake it came from succeeded. */
  private static byte[] genuineProof(int port, Purpose purpose) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      DataInputStream in = new DataInputStream(s.getInputStream());
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      out.write(FuzzCases.frame(FuzzCases.hello(purpose.ordinal(), 0)));
      byte[] challenge = new byte[in.readInt()];
      in.readFully(challenge);
      byte[] nonceS = Arrays.copyOfRange(challenge, 8, 8 + Handshake.NONCE_BYTES);
      byte[] nonceC = new byte[Handshake.NONCE_BYTES];
      new Random(7).nextBytes(nonceC);
      byte[] proof =
          new FrameWriter()
              .raw(nonceC)
              .raw(Handshake.mac(SECRET, "client", purpose, 0, nonceS, nonceC))
              .toByteArray();
      out.write(FuzzCases.frame(proof));
      byte[] verdict = new byte[in.readInt()];
      in.readFully(verdict);
      assertThat(verdict[0]).as("the genuine proof is accepted").isZero();
      return proof;
    }
  }

  /** Threads and heap before an attack, to compare with after it. */
  private record Baseline(int threads, long heap) {
    static Baseline now() {
      System.gc();
      Runtime rt = Runtime.getRuntime();
      return new Baseline(Thread.getAllStackTraces().size(), rt.totalMemory() - rt.freeMemory());
    }

    /** Handshake threads end and garbage is collected: nothing grew with the attack. */
    void assertBounded(String what) throws InterruptedException {
      Baseline after = now();
      for (int i = 0; i < 50 && after.threads > threads + 16; i++) {
        Thread.sleep(100);
        after = now();
      }
      assertThat(after.threads).as("threads, " + what).isLessThanOrEqualTo(threads + 16);
      assertThat(after.heap - heap).as("heap growth, " + what).isLessThan(64L << 20);
    }
  }
}
