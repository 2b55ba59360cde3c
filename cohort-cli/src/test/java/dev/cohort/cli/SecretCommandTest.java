package dev.cohort.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.cohort.comm.Secrets;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SecretCommandTest {

  @Test
  void cohortSecretShouldPrintAFreshSecretThatIsAccepted() {
    String first = secret();
    String second = secret();
    assertThat(first).matches("[0-9a-f]{64}");
    assertThat(second).isNotEqualTo(first);
    assertThat(Secrets.load(first, null)).isEqualTo(first.getBytes(UTF_8));
  }

  private static String secret() {
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(new PrintWriter(out));
    assertThat(cl.execute("secret")).isZero();
    return out.toString().strip();
  }
}
