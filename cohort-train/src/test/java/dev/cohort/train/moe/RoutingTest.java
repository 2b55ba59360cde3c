package dev.cohort.train.moe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RoutingTest {
  @Test
  void topOneShouldFillEachExpertUpToItsCapacityInTokenOrderAndDropTheRest() {
    // 4 tokens, 2 experts, capacity ceil(1.0 * 1 * 4 / 2) = 2; three tokens prefer expert 0.
    float[] p = {0.9f, 0.1f, 0.8f, 0.2f, 0.3f, 0.7f, 0.6f, 0.4f};
    Routing r = Routing.route(p, 4, new MoeSettings(2, 1, 1.0, 0.01));
    assertThat(r.capacity()).isEqualTo(2);
    assertThat(r.slot()).containsExactly(0, 1, 2, -1);
    assertThat(r.load()).containsExactly(2, 1);
    assertThat(r.routed()).containsExactly(3, 1);
    assertThat(r.dropped()).isEqualTo(1);
    assertThat(r.firstChoices()).containsExactly(3, 1);
    assertThat(r.firstChoiceFractions()).containsExactly(0.75f, 0.25f);
    assertThat(r.sources()).containsExactly(0, 1, 2, 4); // slot 3 empty: the zero row
    assertThat(r.picks()).containsExactly(0, 1, 2, 4); // token 3 dropped: the zero row
    assertThat(r.chosenExperts()).containsExactly(0, 0, 1, 0);
  }

  @Test
  void topTwoShouldSeatEveryFirstChoiceBeforeAnySecondChoice() {
    // 3 tokens, 3 experts, capacity ceil(0.5 * 2 * 3 / 3) = 1.
    float[] p = {0.5f, 0.3f, 0.2f, 0.1f, 0.6f, 0.3f, 0.6f, 0.1f, 0.3f};
    Routing r = Routing.route(p, 3, new MoeSettings(3, 2, 0.5, 0));
    assertThat(r.capacity()).isEqualTo(1);
    assertThat(r.chosen()).containsExactly(0, 1, 1, 2, 0, 2);
    // first choices: token 0 -> expert 0, token 1 -> expert 1, token 2 -> expert 0 (full: dropped);
    // second choices: token 0 -> 1 (full), token 1 -> 2 (seated), token 2 -> 2 (full).
    assertThat(r.slot()).containsExactly(0, -1, 1, 2, -1, -1);
    assertThat(r.dropped()).isEqualTo(3);
    assertThat(r.load()).containsExactly(1, 1, 1);
    assertThat(r.routed()).containsExactly(2, 2, 2);
    assertThat(r.sources()).containsExactly(0, 1, 1);
    assertThat(r.picks()).containsExactly(0, 3, 1, 2, 3, 3);
    assertThat(r.chosenExperts()).containsExactly(0, 1, 1, 2, 0, 2);
  }

  @Test
  void settingsShouldRefuseWhatCannotRoute() {
    assertThatThrownBy(() -> new MoeSettings(1, 1, 1, 0)).hasMessageContaining("--experts");
    assertThatThrownBy(() -> new MoeSettings(4, 3, 1, 0)).hasMessageContaining("--top-k");
    assertThatThrownBy(() -> new MoeSettings(4, 1, 0, 0)).hasMessageContaining("--capacity-factor");
    assertThatThrownBy(() -> new MoeSettings(4, 1, Double.NaN, 0))
        .hasMessageContaining("--capacity-factor");
    assertThatThrownBy(() -> new MoeSettings(4, 1, 1, -1)).hasMessageContaining("--aux-loss");
    assertThatThrownBy(() -> Routing.route(new float[3], 2, new MoeSettings(2, 1, 1, 0)))
        .hasMessageContaining("3 router probabilities for 2 tokens x 2 experts");
  }
}
