package dev.cohort.lab.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SpreadTest {

  @Test
  void anOddCountShouldHaveItsMiddleValueAsMedian() {
    assertThat(Spread.of(List.of(3.0, 1.0, 2.5))).isEqualTo(new Spread(2.5, 3.0));
  }

  @Test
  void anEvenCountShouldHaveTheMeanOfItsTwoMiddleValuesAsMedian() {
    assertThat(Spread.of(List.of(4L, 1L, 10L, 2L))).isEqualTo(new Spread(3.0, 10.0));
  }

  @Test
  void noValuesShouldGiveNaN() {
    Spread s = Spread.of(List.of());
    assertThat(s.median()).isNaN();
    assertThat(s.max()).isNaN();
  }
}
