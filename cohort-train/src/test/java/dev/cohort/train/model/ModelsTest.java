package dev.cohort.train.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cohort.train.model.gpt.GptConfig;
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
        .hasMessage(
            "unknown model 'gpt-9'; choose one of " + Models.NAMES + " or gpt-<layers>x<width>");
  }

  @Test
  void aSizedGptShouldHaveTheSmallPresetsContextAndAHeadPer32OfWidth() {
    assertThat(Models.isLanguageModel("gpt-8x256")).isTrue();
    assertThat(Models.isKnown("GPT-8x256")).isTrue();
    assertThat(Models.gptConfig("gpt-8x256")).isEqualTo(new GptConfig(96, 128, 8, 8, 256, 0.1f));
    assertThatThrownBy(() -> Models.gptConfig("gpt-8x100"))
        .hasMessage(
            "gpt-8x100: a sized GPT needs at least 1 layer and a width that is a multiple of 32");
    assertThatThrownBy(() -> Models.gptConfig("gpt-0x64")).hasMessageContaining("at least 1 layer");
  }
}
