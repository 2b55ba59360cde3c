package dev.cohort.lab.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NetworkConditionTest {

  @Test
  void parsesSpecsWithUnits() {
    NetworkCondition c = NetworkCondition.parse("lat=5ms,jitter=500us,rate=100mbit,loss=0.5%");
    assertThat(c.latencyMs()).isEqualTo(5);
    assertThat(c.jitterMs()).isEqualTo(0.5);
    assertThat(c.rateMbit()).isEqualTo(100);
    assertThat(c.lossPercent()).isEqualTo(0.5);
    assertThat(c.bytesPerSecond()).isEqualTo(12.5e6);
    assertThat(c.needsDelay()).isTrue();
    assertThat(NetworkCondition.parse("rate=2gbit").rateMbit()).isEqualTo(2000);
    assertThat(NetworkCondition.parse("lat=1s").latencyMs()).isEqualTo(1000);
    assertThat(NetworkCondition.parse("rate=2gbit").needsDelay()).isFalse();
  }

  @Test
  void presetsAreNamedConditions() {
    assertThat(NetworkCondition.none().isNone()).isTrue();
    assertThat(NetworkCondition.none().bytesPerSecond()).isInfinite();
    NetworkCondition wan = NetworkCondition.parse("wan");
    assertThat(wan.name()).isEqualTo("wan");
    assertThat(wan.latencyMs()).isEqualTo(20);
    assertThat(wan.rateMbit()).isEqualTo(100);
    assertThat(wan.describe()).contains("20 ms", "100 Mbit/s");
  }

  @Test
  void badSpecsSayWhatIsWrong() {
    assertThatThrownBy(() -> NetworkCondition.parse("latency5ms"))
        .hasMessageContaining("not key=value");
    assertThatThrownBy(() -> NetworkCondition.parse("delay=5ms"))
        .hasMessageContaining("unknown key 'delay'");
    assertThatThrownBy(() -> NetworkCondition.parse("rate=100"))
        .hasMessageContaining("needs a unit");
    assertThatThrownBy(() -> NetworkCondition.parse("lat=fast"))
        .hasMessageContaining("'fast' is not a number");
    assertThatThrownBy(() -> NetworkCondition.parse("lat=-1ms")).hasMessageContaining("latency");
    assertThatThrownBy(() -> NetworkCondition.parse("loss=100%"))
        .hasMessageContaining("loss < 100%");
  }

  @Test
  void lossCannotBeEmulatedWithoutNamespaces() {
    assertThatThrownBy(
            () -> EmulatedNetwork.open(NetworkCondition.parse("loss=1%"), 2, false, 1, w -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("packet loss needs network namespaces");
  }

  @Test
  void theLoopbackFallbackGivesEachWorkerItsOwnAddressAndARelayedPort() throws Exception {
    try (EmulatedNetwork net =
        EmulatedNetwork.open(NetworkCondition.parse("lat=1ms"), 3, false, 1, w -> {})) {
      assertThat(net.method()).contains("emulated in-process");
      assertThat(net.commandPrefix(1)).isEmpty();
      assertThat(net.environment(2))
          .containsEntry("COHORT_TRANSPORT", "tcp")
          .containsEntry("COHORT_ENCRYPTION", "off")
          .containsEntry("COHORT_BIND_ADDR", "127.0.1.3")
          .containsEntry("COHORT_ADVERTISE_ADDR", "127.0.0.1");
    }
    try (EmulatedNetwork net =
        EmulatedNetwork.open(NetworkCondition.none(), 2, false, 1, w -> {})) {
      assertThat(net.method()).isEqualTo("loopback");
      assertThat(net.environment(0)).containsEntry("COHORT_ADVERTISE_ADDR", "127.0.1.1");
    }
  }
}
