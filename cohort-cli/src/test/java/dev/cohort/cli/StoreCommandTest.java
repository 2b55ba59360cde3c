package dev.cohort.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.comm.EnvKeys;
import dev.cohort.comm.Secrets;
import dev.cohort.launch.spawn.JavaCommand;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code cohort store} refuses what it cannot do in one line, with a non-zero exit status: run in
 * its own JVM, whose environment (the secret) the test controls.
 */
@Timeout(60)
class StoreCommandTest {

  @Test
  void aStoreWithoutASecretShouldSaySoInOneLineAndExit2() throws Exception {
    Run r = store(Map.of(), "--port", "0");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.output()).startsWith("cohort store: no shared secret").doesNotContain("\tat ");
    assertThat(r.output().strip().lines()).hasSize(1);
  }

  @Test
  void aStoreOnAPortInUseShouldNameThePortInOneLineAndExit1() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      Run r =
          store(
              Map.of(EnvKeys.COHORT_SECRET, Secrets.generate()),
              "--port",
              "" + taken.getLocalPort());
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.output())
          .startsWith("cohort store: ")
          .contains(":" + taken.getLocalPort())
          .doesNotContain("\tat ");
      assertThat(r.output().strip().lines()).hasSize(1);
    }
  }

  private record Run(int code, String output) {}

  private static Run store(Map<String, String> env, String... args) throws Exception {
    List<String> cmd =
        JavaCommand.cohort(
                java.util.stream.Stream.concat(
                        java.util.stream.Stream.of("store"), java.util.Arrays.stream(args))
                    .toList())
            .toList();
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().remove(EnvKeys.COHORT_SECRET);
    pb.environment().remove(EnvKeys.COHORT_SECRET_FILE);
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("cohort store did not exit: it should have refused to start");
    }
    return new Run(
        p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }
}
