package dev.cohort.lab.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CommBenchTest {

  @Test
  void withoutOnlyEveryHeadlineConfigurationShouldRunWithGlooThird() {
    assertThat(CommBench.headline(List.of(), true))
        .containsExactly(
            CommBench.SHM, CommBench.ZERO_COPY, CommBench.GLOO, CommBench.TCP, CommBench.TCP_AES);
  }

  @Test
  void onlyShouldKeepTheNamedConfigurationsInTableOrder() {
    assertThat(CommBench.headline(List.of("gloo", "tcp"), true))
        .containsExactly(CommBench.GLOO, CommBench.TCP);
  }

  @Test
  void glooShouldBeLeftOutWhenThePeerCannotRun() {
    assertThat(CommBench.headline(List.of("tcp", "gloo"), false)).containsExactly(CommBench.TCP);
  }

  @Test
  void anUnknownNameShouldListTheKnownOnes() {
    assertThatThrownBy(() -> CommBench.headline(List.of("udp"), true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'udp'")
        .hasMessageContaining("shm, zero-copy, tcp, tcp+aes, gloo");
  }
}
