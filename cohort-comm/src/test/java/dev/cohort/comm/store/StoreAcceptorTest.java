package dev.cohort.comm.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.comm.ThreadWorld;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The store's accept loop outlives any failure and serves again once resources return. */
@Timeout(60)
class StoreAcceptorTest {

  @Test
  void theStoreShouldServeAgainAfterClientThreadsCouldNotBeStarted() throws Exception {
    AtomicInteger failuresLeft = new AtomicInteger(5);
    ThreadFactory failing =
        r -> {
          if (failuresLeft.getAndDecrement() > 0) {
            throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
          }
          return new Thread(r);
        };
    try (StoreServer server =
        StoreServer.on("127.0.0.1", 0).secret(ThreadWorld.SECRET).handlers(failing).start()) {
      for (int i = 0; i < 5; i++) {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
          s.setSoTimeout(5000);
          assertThat(s.getInputStream().read()).as("connection %d is closed", i).isEqualTo(-1);
        }
      }
      assertServes(server.port());
    }
  }

  @Test
  void theStoreShouldServeAgainAfterItRanOutOfFileDescriptors() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
            "bash",
            "-c",
            "ulimit -n 256 && exec \"$0\" -Xmx128m -cp \"$1\" " + StarvedStoreMain.class.getName(),
            java,
            System.getProperty("java.class.path"));
    pb.environment().put("COHORT_SECRET", new String(ThreadWorld.SECRET, UTF_8));
    Process p = pb.start();
    CompletableFuture<String> stderr = readAll(p.getErrorStream());
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), UTF_8));
        OutputStream commands = p.getOutputStream()) {
      String portLine = out.readLine();
      assertThat(portLine)
          .as("child's first line; stderr: %s", stderr.getNow(""))
          .startsWith("PORT ");
      int port = Integer.parseInt(portLine.substring(5));
      // A store that has served before (its classes loaded), as a real one that hits the limit.
      assertServes(port);
      command(commands, "exhaust");
      assertThat(out.readLine()).startsWith("EXHAUSTED");
      Thread.sleep(200);
      command(commands, "top up");
      assertThat(out.readLine()).isEqualTo("TOPPED UP");
      // Accepting these fails with EMFILE for as long as the descriptors are held (the first may
      // still find one that a closing connection gave back).
      List<Socket> waiting = new ArrayList<>();
      try {
        for (int i = 0; i < 5; i++) {
          waiting.add(new Socket("127.0.0.1", port));
        }
        Thread.sleep(500);
        command(commands, "release");
        String l;
        while ((l = out.readLine()) != null && !l.equals("RELEASED"))
          System.err.println("CHILD " + l);
      } finally {
        for (Socket w : waiting) {
          w.close();
        }
      }
      try {
        assertServes(port);
      } catch (RuntimeException e) {
        p.destroy();
        throw new AssertionError("stderr: " + stderr.get(10, TimeUnit.SECONDS), e);
      }
    } finally {
      p.destroy();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    assertThat(stderr.get(10, TimeUnit.SECONDS))
        .contains("could not accept a connection")
        .contains("Too many open files");
  }

  private static void assertServes(int port) {
    try (TcpStore s =
        TcpStore.connect("127.0.0.1", port, ThreadWorld.SECRET, Duration.ofSeconds(10), 1 << 20)) {
      s.set("alive", new byte[] {1});
      assertThat(s.tryGet("alive")).isPresent();
    }
  }

  private static void command(OutputStream commands, String line) throws Exception {
    commands.write((line + "\n").getBytes(UTF_8));
    commands.flush();
  }

  private static CompletableFuture<String> readAll(InputStream in) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return new String(in.readAllBytes(), UTF_8);
          } catch (Exception e) {
            return "<read failed: " + e + ">";
          }
        });
  }
}
