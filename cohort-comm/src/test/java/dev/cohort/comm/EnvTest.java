package dev.cohort.comm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvTest {

  @Test
  void aSystemPropertyShouldWinOverTheEnvironmentVariable() {
    Env env = Env.of(Map.of("K", "1", "L", "2"), Map.of("K", "3"));
    assertThat(env.getInt("K", 0)).isEqualTo(3);
    assertThat(env.getInt("L", 0)).isEqualTo(2);
  }

  @Test
  void anAbsentOrBlankKeyShouldTakeTheDefault() {
    Env env = Env.of(Map.of("BLANK", "  "));
    assertThat(env.getLong("BLANK", 7)).isEqualTo(7);
    assertThat(env.getString("MISSING", "d")).isEqualTo("d");
    assertThat(env.isSet("BLANK")).isTrue();
    assertThat(env.isSet("MISSING")).isFalse();
    assertThat(env.getRaw("BLANK")).contains("  ");
  }

  @Test
  void valuesShouldBeStripped() {
    Env env = Env.of(Map.of("N", " 42 ", "S", " host "));
    assertThat(env.getInt("N", 0)).isEqualTo(42);
    assertThat(env.getString("S", null)).isEqualTo("host");
  }

  @Test
  void aNonIntegerShouldFailNamingTheKey() {
    Env env = Env.of(Map.of("COHORT_TIMEOUT_MS", "soon"));
    assertThatThrownBy(() -> env.getLong("COHORT_TIMEOUT_MS", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("COHORT_TIMEOUT_MS must be an integer, got 'soon'");
  }

  @Test
  void aBooleanShouldBeTrueOrFalseInAnyCase() {
    Env env = Env.of(Map.of("A", "TRUE", "B", "false", "C", "yes"));
    assertThat(env.getBoolean("A", false)).isTrue();
    assertThat(env.getBoolean("B", true)).isFalse();
    assertThatThrownBy(() -> env.getBoolean("C", false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("C must be true or false, got 'yes'");
  }

  @Test
  void anUnknownChoiceShouldFailListingTheChoices() {
    Env env = Env.of(Map.of("COHORT_TRANSPORT", "Shm", "BAD", "udp"));
    assertThat(env.getEnum("COHORT_TRANSPORT", CommConfig.TransportKind.class, null))
        .isEqualTo(CommConfig.TransportKind.SHM);
    assertThatThrownBy(() -> env.getEnum("BAD", CommConfig.TransportKind.class, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("BAD must be one of auto, tcp, shm; got 'udp'");
    assertThatThrownBy(
            () ->
                env.getChoice(
                    "BAD",
                    List.of(AllReduceAlgorithm.values()),
                    AllReduceAlgorithm::configName,
                    AllReduceAlgorithm.AUTO))
        .hasMessage(
            "BAD must be one of auto, ring, halving-doubling, recursive-doubling; got 'udp'");
  }

  @Test
  void aRequiredKeyShouldFailWhenItIsNotSet() {
    Env env = Env.of(Map.of(EnvKeys.RANK, "2"));
    assertThat(env.requireInt(EnvKeys.RANK)).isEqualTo(2);
    assertThatThrownBy(() -> env.requireInt(EnvKeys.WORLD_SIZE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("WORLD_SIZE is not set");
  }
}
