package dev.cohort.lab.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TargetTest {

  @Test
  void bothShouldKillTheWorkersFirstThenTheLauncher() {
    assertThat(Target.parse("both")).containsExactly(Target.WORKERS, Target.LAUNCHER);
    assertThat(Target.parse(" Launcher")).containsExactly(Target.LAUNCHER);
    assertThat(Target.parse("workers")).containsExactly(Target.WORKERS);
    assertThat(Target.LAUNCHER.label()).isEqualTo("launcher");
  }

  @Test
  void anUnknownTargetShouldNameTheChoices() {
    assertThatThrownBy(() -> Target.parse("rank0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--target must be workers, launcher or both, got 'rank0'");
  }
}
