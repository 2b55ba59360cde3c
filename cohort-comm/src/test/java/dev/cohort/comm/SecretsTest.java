package dev.cohort.comm;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

  @Test
  void aSecretShorterThan16BytesShouldBeRefusedSayingHowToMakeOne(@TempDir Path dir)
      throws Exception {
    assertThatThrownBy(() -> Secrets.load("abc", null))
        .isInstanceOf(AuthenticationException.class)
        .hasMessage(
            "the shared secret is 3 bytes; at least 16 (128 bits) are needed: make one with"
                + " `cohort secret` or `openssl rand -hex 16`");
    Path file = dir.resolve("secret");
    Files.writeString(file, "short\n");
    assertThatThrownBy(() -> Secrets.load(null, file.toString()))
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("5 bytes");
    assertThat(Secrets.load("0123456789abcdef", null)).hasSize(16);
    assertThat(Secrets.load("0123456789abcdef0123456789abcdef", null))
        .as("openssl rand -hex 16: 32 bytes as text")
        .hasSize(32);
  }

  @Test
  void aSecretGivenAsASystemPropertyShouldBeRefused() {
    Env env = Env.of(Map.of(), Map.of(EnvKeys.COHORT_SECRET, Secrets.generate()));
    assertThatThrownBy(() -> Secrets.fromEnvironment(env))
        .isInstanceOf(AuthenticationException.class)
        .hasMessageContaining("system property")
        .hasMessageContaining("environment variable COHORT_SECRET")
        .hasMessageContaining("COHORT_SECRET_FILE")
        .hasMessageNotContaining("\n");
    assertThatThrownBy(() -> CommConfig.fromEnvironment(Map.of(), Map.of("COHORT_SECRET", "x")))
        .hasMessageContaining("system property");
  }
}
