package dev.cohort.comm;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretsTest {

  @Test
  void generatedSecretsShouldBe32RandomBytesInHex() {
    String a = Secrets.generate();
    String b = Secrets.generate();
    assertThat(a).hasSize(64).matches("[0-9a-f]+");
    assertThat(b).isNotEqualTo(a);
  }

  @Test
  void aGeneratedSecretShouldLoadBackAsItsText() {
    String s = Secrets.generate();
    assertThat(Secrets.fromEnvironment(Env.of(Map.of(EnvKeys.COHORT_SECRET, s))))
        .isEqualTo(s.getBytes(UTF_8));
  }
}
