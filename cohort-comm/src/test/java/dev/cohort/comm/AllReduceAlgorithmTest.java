package dev.cohort.comm;

import static dev.cohort.comm.AllReduceAlgorithm.AUTO;
import static dev.cohort.comm.AllReduceAlgorithm.HALVING_DOUBLING;
import static dev.cohort.comm.AllReduceAlgorithm.RECURSIVE_DOUBLING;
import static dev.cohort.comm.AllReduceAlgorithm.RING;
import static dev.cohort.comm.CommConfig.DEFAULT_SMALL_MESSAGE_BYTES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AllReduceAlgorithmTest {

  @Test
  void parseShouldAcceptConfigNamesInAnyCase() {
    assertThat(AllReduceAlgorithm.parse("halving-doubling")).isEqualTo(HALVING_DOUBLING);
    assertThat(AllReduceAlgorithm.parse(" Ring ")).isEqualTo(RING);
    assertThat(AllReduceAlgorithm.parse("AUTO")).isEqualTo(AUTO);
    for (AllReduceAlgorithm a : AllReduceAlgorithm.values()) {
      assertThat(AllReduceAlgorithm.parse(a.configName())).isEqualTo(a);
    }
  }

  @Test
  void parseShouldFailOnOneLineListingTheChoices() {
    assertThatThrownBy(() -> AllReduceAlgorithm.parse("butterfly"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "unknown all-reduce algorithm 'butterfly'; choose auto or one of "
                + "[ring, halving-doubling, recursive-doubling]");
  }

  @Test
  void schedulesShouldBeEveryAlgorithmButAuto() {
    assertThat(AllReduceAlgorithm.schedules())
        .containsExactly(RING, HALVING_DOUBLING, RECURSIVE_DOUBLING);
  }

  @Test
  void chooseShouldTakeRecursiveDoublingUpToTheSmallMessageThreshold() {
    assertThat(AllReduceAlgorithm.choose(0, 8, DEFAULT_SMALL_MESSAGE_BYTES))
        .isEqualTo(RECURSIVE_DOUBLING);
    assertThat(AllReduceAlgorithm.choose(64 * 1024, 3, DEFAULT_SMALL_MESSAGE_BYTES))
        .isEqualTo(RECURSIVE_DOUBLING);
    assertThat(AllReduceAlgorithm.choose(64 * 1024, 3, 1024)).isEqualTo(RING);
  }

  @Test
  void chooseShouldTakeHalvingDoublingForMediumMessagesOnPowerOfTwoGroupsAboveTwo() {
    long medium = 256 * 1024;
    assertThat(AllReduceAlgorithm.choose(medium, 4, DEFAULT_SMALL_MESSAGE_BYTES))
        .isEqualTo(HALVING_DOUBLING);
    assertThat(
            AllReduceAlgorithm.choose(
                AllReduceAlgorithm.HALVING_DOUBLING_MAX_BYTES, 8, DEFAULT_SMALL_MESSAGE_BYTES))
        .isEqualTo(HALVING_DOUBLING);
    assertThat(AllReduceAlgorithm.choose(medium, 2, DEFAULT_SMALL_MESSAGE_BYTES)).isEqualTo(RING);
    assertThat(AllReduceAlgorithm.choose(medium, 6, DEFAULT_SMALL_MESSAGE_BYTES)).isEqualTo(RING);
  }

  @Test
  void chooseShouldTakeTheRingForLargeMessages() {
    assertThat(AllReduceAlgorithm.choose(64 << 20, 8, DEFAULT_SMALL_MESSAGE_BYTES)).isEqualTo(RING);
  }

  @Test
  void resolveShouldKeepAForcedAlgorithmAndChooseForAuto() {
    assertThat(RING.resolve(10, 8, DEFAULT_SMALL_MESSAGE_BYTES)).isEqualTo(RING);
    assertThat(AUTO.resolve(10, 8, DEFAULT_SMALL_MESSAGE_BYTES)).isEqualTo(RECURSIVE_DOUBLING);
  }
}
