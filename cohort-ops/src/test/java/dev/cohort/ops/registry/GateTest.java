package dev.cohort.ops.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class GateTest {

  private static final Gate GATE = new Gate(0.01, 0.02);

  private static Evaluation eval(double test, double... testClasses) {
    return Evaluation.builder().set("test", Fixtures.score(test, testClasses)).build();
  }

  @Test
  void equalOrBetterCandidateShouldPass() {
    Evaluation champion = Fixtures.evaluation(0.80, 0.70);
    assertThat(GATE.check(champion, champion)).isEmpty();
    assertThat(GATE.check(Fixtures.evaluation(0.90, 0.80), champion)).isEmpty();
  }

  @Test
  void dropOfExactlyTheAllowanceShouldPassDespiteRounding() {
    assertThat(GATE.check(eval(0.79, 0.78), eval(0.80, 0.80))).isEmpty();
  }

  @Test
  void setAccuracyDropBeyondTheAllowanceShouldBeARegression() {
    assertThat(GATE.check(eval(0.785), eval(0.80)))
        .containsExactly(new Regression("test accuracy", 0.80, 0.785, 0.01));
  }

  @Test
  void classDropShouldBeNamedWithItsClass() {
    List<Regression> found = GATE.check(eval(0.80, 0.9, 0.641), eval(0.80, 0.9, 0.712));
    assertThat(found).containsExactly(new Regression("test class 1 accuracy", 0.712, 0.641, 0.02));
    assertThat(found.get(0).describe())
        .isEqualTo("test class 1 accuracy fell from 0.7120 to 0.6410 (allowed drop 0.0200)");
  }

  @Test
  void missingSetOrClassShouldBeARegressionWithNaN() {
    Evaluation champion = Fixtures.evaluation(0.80, 0.70);
    Evaluation candidate = eval(0.80, 0.80, 0.80);
    List<Regression> found = GATE.check(candidate, champion);
    assertThat(found)
        .extracting(Regression::metric)
        .contains("shift:noise accuracy", "test class 2 accuracy", "test class 9 accuracy");
    Regression shift = found.stream().filter(r -> r.metric().startsWith("shift")).findFirst().get();
    assertThat(shift.candidate()).isNaN();
    assertThat(shift.describe())
        .isEqualTo(
            "shift:noise accuracy is missing from the candidate (champion has 0.7000, allowed drop"
                + " 0.0100)");
  }

  @Test
  void scoresOnADifferentNumberOfImagesShouldBeARegressionSayingWhy() {
    SetScore base = Fixtures.score(0.9, 0.9);
    Evaluation champion = Evaluation.builder().set("test", base).build();
    Evaluation candidate =
        Evaluation.builder()
            .set("test", new SetScore(base.samples() / 2, 0.95, 0.1, base.classAccuracy()))
            .build();
    List<Regression> found = GATE.check(candidate, champion);
    assertThat(found).extracting(Regression::metric).containsExactly("test samples");
    assertThat(found.get(0).describe())
        .isEqualTo(
            "test: the candidate was scored on "
                + base.samples() / 2
                + " images, the champion on "
                + base.samples()
                + ", and scores on different images do not compare (register both with the"
                + " same --test-limit)");
  }

  @Test
  void shiftedSetsShouldBeGatedToo() {
    List<Regression> found =
        GATE.check(Fixtures.evaluation(0.80, 0.60), Fixtures.evaluation(0.80, 0.70));
    assertThat(found).extracting(Regression::metric).startsWith("shift:noise accuracy");
  }

  @Test
  void negativeOrNonFiniteAllowanceShouldBeRejected() {
    assertThatThrownBy(() -> new Gate(-0.01, 0)).hasMessageContaining("maxDrop");
    assertThatThrownBy(() -> new Gate(0, Double.NaN)).hasMessageContaining("maxClassDrop");
  }
}
