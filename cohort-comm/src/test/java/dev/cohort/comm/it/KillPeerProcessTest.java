package dev.cohort.comm.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.comm.CommConfig.TransportKind;
import dev.cohort.comm.Secrets;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real processes: SIGKILL one rank in the middle of an all-reduce loop. Every survivor must fail
 * fast, naming the operation and the dead rank, and no shared memory may be left behind.
 */
@Timeout(120)
class KillPeerProcessTest {
  private static final int TIMEOUT_MS = 10_000;
  private final List<Process> procs = new ArrayList<>();

  @AfterEach
  void killAll() {
    procs.forEach(Process::destroyForcibly);
  }

  @ParameterizedTest
  @EnumSource(
      value = TransportKind.class,
      names = {"TCP", "SHM"})
  void survivorsShouldFailFastNamingTheKilledRank(TransportKind transport) throws Exception {
    int size = 3;
    int victim = 1;
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String secret = Secrets.generate();
    List<CompletableFuture<String>> stdout = new ArrayList<>();
    List<CompletableFuture<String>> stderr = new ArrayList<>();
    for (int r = 0; r < size; r++) {
      ProcessBuilder pb =
          new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-Xmx256m",
              "-cp",
              System.getProperty("java.class.path"),
              LoopWorker.class.getName(),
              Integer.toString(r),
              Integer.toString(size),
              Integer.toString(port));
      pb.environment().put("COHORT_SECRET", secret);
      pb.environment().put("COHORT_TRANSPORT", transport.name());
      pb.environment().put("COHORT_TIMEOUT_MS", Integer.toString(TIMEOUT_MS));
      Process p = pb.start();
      procs.add(p);
      stdout.add(readAll(p.getInputStream()));
      stderr.add(readAll(p.getErrorStream()));
    }
    waitForReady(procs, 60);
    Thread.sleep(200); // let them get well into the loop
    long killedAt = System.nanoTime();
    procs.get(victim).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    for (int r = 0; r < size; r++) {
      if (r == victim) {
        continue;
      }
      Process p = procs.get(r);
      assertThat(p.waitFor(TIMEOUT_MS + 5000, TimeUnit.MILLISECONDS))
          .as("rank %d exits within the timeout plus a few seconds", r)
          .isTrue();
      long ms = (System.nanoTime() - killedAt) / 1_000_000;
      String err = stderr.get(r).get(5, TimeUnit.SECONDS);
      assertThat(p.exitValue()).as("rank %d exit status; stderr: %s", r, err).isEqualTo(3);
      assertThat(err).contains("FAILED").contains("allReduce #").contains("rank " + victim);
      assertThat(ms).as("rank %d noticed the death quickly", r).isLessThan(TIMEOUT_MS + 5000);
      System.out.println("rank " + r + " after " + ms + " ms: " + err.strip());
    }
    try (Stream<Path> left = Files.list(Path.of("/dev/shm"))) {
      List<String> ours =
          left.map(p -> p.getFileName().toString())
              .filter(n -> procs.stream().anyMatch(p -> n.startsWith("cohort-" + p.pid() + "-")))
              .toList();
      assertThat(ours).as("shared-memory files left behind").isEmpty();
    }
  }

  private void waitForReady(List<Process> procs, int seconds) throws Exception {
    // READY lines are collected by the readers; poll the process list for liveness meanwhile.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      if (ready.get() >= procs.size()) {
        return;
      }
      for (Process p : procs) {
        assertThat(p.isAlive()).as("worker died before READY").isTrue();
      }
      Thread.sleep(50);
    }
    throw new AssertionError("workers did not become ready in " + seconds + " s");
  }

  private final AtomicInteger ready = new AtomicInteger();

  private CompletableFuture<String> readAll(InputStream in) {
    return CompletableFuture.supplyAsync(
        () -> {
          StringBuilder sb = new StringBuilder();
          try (BufferedReader r =
              new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
              if (line.equals("READY")) {
                ready.incrementAndGet();
              }
              sb.append(line).append('\n');
            }
          } catch (IOException e) {
            sb.append("<read failed: ").append(e).append('>');
          }
          return sb.toString();
        });
  }
}
