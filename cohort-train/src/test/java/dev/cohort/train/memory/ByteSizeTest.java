package dev.cohort.train.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteSizeTest {
  @Test
  void sizesShouldParseInBinaryAndDecimalUnits() {
    assertThat(ByteSize.parse("1500000", "--x")).isEqualTo(1_500_000);
    assertThat(ByteSize.parse("512MiB", "--x")).isEqualTo(512L << 20);
    assertThat(ByteSize.parse("512m", "--x")).isEqualTo(512L << 20);
    assertThat(ByteSize.parse("1.5 GiB", "--x")).isEqualTo(3L << 29);
    assertThat(ByteSize.parse("2GB", "--x")).isEqualTo(2_000_000_000L);
    assertThat(ByteSize.parse("64KiB", "--x")).isEqualTo(65_536);
  }

  @Test
  void anythingElseShouldBeRefusedNamingTheOption() {
    assertThatThrownBy(() -> ByteSize.parse("lots", "--memory-budget"))
        .hasMessage(
            "--memory-budget must be a size such as 512MiB, 2GiB or 1500000 (bytes), got 'lots'");
    assertThatThrownBy(() -> ByteSize.parse("-5MiB", "--memory-budget"))
        .hasMessageContaining("got '-5MiB'");
    assertThatThrownBy(() -> ByteSize.parse("99999999TiB", "--memory-budget"))
        .hasMessage("--memory-budget is too large: 99999999TiB");
  }

  @Test
  void sizesShouldPrintInTheLargestFittingUnit() {
    assertThat(ByteSize.format(999)).isEqualTo("999 B");
    assertThat(ByteSize.format(1536)).isEqualTo("1.5 KiB");
    assertThat(ByteSize.format(300L << 20)).isEqualTo("300.0 MiB");
    assertThat(ByteSize.mebibytes(3L << 19)).isEqualTo("1.5");
  }
}
