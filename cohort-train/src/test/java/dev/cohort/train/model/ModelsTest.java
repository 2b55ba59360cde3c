package dev.cohort.train.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ModelsTest {

  @Test
  void theSmallMlpsShouldGetOneThreadAndTheOthersNoLimit() {
    assertThat(Models.usefulThreads("mlp")).isEqualTo(1);
    assertThat(Models.usefulThreads("MLP-dropout")).isEqualTo(1);
    assertThat(Models.usefulThreads("cnn")).isEqualTo(Integer.MAX_VALUE);
    assertThat(Models.usefulThreads("mlp-wide")).isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void anUnknownModelShouldBeRefusedWithTheKnownNames() {
    assertThatThrownBy(() -> Models.usefulThreads("gpt-9"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown model 'gpt-9'; choose one of " + Models.NAMES);
  }
}
