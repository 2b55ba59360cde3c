package dev.cohort.comm.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.comm.ThreadWorld;
import dev.cohort.comm.wire.FrameWriter;
import dev.cohort.comm.wire.Frames;
import java.io.BufferedReader;
import java.io.DataOutputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A flood of bad connections writes about one warning line a second, with a count of the rest: a
 * store process, whose log (stderr) the test reads.
 */
@Timeout(90)
class StoreWarningsTest {

  @Test
  void twoThousandBadConnectionsShouldWriteAboutOneLineASecond() throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx128m",
            "-cp",
            System.getProperty("java.class.path"),
            StarvedStoreMain.class.getName());
    pb.environment().put("COHORT_SECRET", new String(ThreadWorld.SECRET, UTF_8));
    Process p = pb.start();
    CompletableFuture<String> stderr =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return new String(p.getErrorStream().readAllBytes(), UTF_8);
              } catch (Exception e) {
                return "<read failed: " + e + ">";
              }
            });
    long seconds;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), UTF_8))) {
      int port = Integer.parseInt(out.readLine().substring("PORT ".length()));
      long start = System.nanoTime();
      for (int i = 0; i < 2000; i++) {
        badConnection(port);
      }
      seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
      Thread.sleep(1100); // then one more, whose line carries the count
      badConnection(port);
      Thread.sleep(200);
    } finally {
      p.getOutputStream().close(); // the store stops at the end of its input
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    List<String> warnings =
        stderr.get(10, TimeUnit.SECONDS).lines().filter(l -> l.startsWith("WARNING:")).toList();
    assertThat(warnings.size())
        .as("warnings for 2,001 bad connections in %d s: %s", seconds, warnings)
        .isBetween(2, (int) seconds + 3);
    assertThat(warnings.get(0)).contains("dropped").contains("bad magic");
    long counted = warnings.size();
    for (String w : warnings) {
      int at = w.indexOf("(and ");
      if (at >= 0) {
        counted += Long.parseLong(w.substring(at + 5, w.indexOf(' ', at + 5)));
      }
    }
    assertThat(counted).as("lines written plus those counted as suppressed").isEqualTo(2001);
  }

  /** Sends a HELLO with a wrong magic number and waits until the store hangs up. */
  private static void badConnection(int port) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      Frames.write(
          new DataOutputStream(s.getOutputStream()),
          new FrameWriter().i32(0xBAD).i32(2).u8(0).toByteArray());
      s.getInputStream().readAllBytes();
    }
  }
}
