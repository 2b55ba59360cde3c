package dev.cohort.train.compress;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * The 16-bit conversions against their definitions: every 16-bit value survives the round trip,
 * known values have their known bits, and every float rounds to the nearest 16-bit value (ties to
 * the even one), found by looking at its neighbours.
 */
class HalfFloatsTest {

  @Test
  void every16BitValueShouldSurviveTheRoundTrip() {
    for (int h = 0; h < 1 << 16; h++) {
      float fp16 = HalfFloats.fromFp16((short) h);
      if (!Float.isNaN(fp16)) {
        assertThat(HalfFloats.toFp16(fp16) & 0xFFFF).as("fp16 %04x", h).isEqualTo(h);
      }
      float bf16 = HalfFloats.fromBf16((short) h);
      if (!Float.isNaN(bf16)) {
        assertThat(HalfFloats.toBf16(bf16) & 0xFFFF).as("bf16 %04x", h).isEqualTo(h);
      }
    }
  }

  @Test
  void knownValuesShouldHaveTheirKnownBits() {
    assertThat(HalfFloats.toFp16(1f)).isEqualTo((short) 0x3C00);
    assertThat(HalfFloats.toFp16(-2f)).isEqualTo((short) 0xC000);
    assertThat(HalfFloats.toFp16(65504f)).isEqualTo((short) 0x7BFF);
    assertThat(HalfFloats.toFp16(65520f))
        .as("halfway to 65,536: to infinity")
        .isEqualTo((short) 0x7C00);
    assertThat(HalfFloats.toFp16(1e9f)).isEqualTo((short) 0x7C00);
    assertThat(HalfFloats.toFp16(0x1p-24f)).as("the smallest subnormal").isEqualTo((short) 1);
    assertThat(HalfFloats.toFp16(0x1p-25f))
        .as("half of it: ties to even, zero")
        .isEqualTo((short) 0);
    assertThat(HalfFloats.toFp16(-0f)).isEqualTo((short) 0x8000);
    assertThat(HalfFloats.toFp16(0x1.8p-25f))
        .as("between 2^-25 and 2^-24: up")
        .isEqualTo((short) 1);
    assertThat(HalfFloats.toFp16(65519f)).as("below the halfway point").isEqualTo((short) 0x7BFF);
    assertThat(HalfFloats.toFp16(0x1.ffcp-15f))
        .as("the largest subnormal and a half: carries into the smallest normal")
        .isEqualTo((short) 0x0400);
    assertThat(HalfFloats.toFp16(0x1.8p-20f)).as("a subnormal").isEqualTo((short) 0x0018);
    assertThat(Float.isNaN(HalfFloats.fromFp16(HalfFloats.toFp16(Float.NaN)))).isTrue();
    assertThat(HalfFloats.toBf16(1f)).isEqualTo((short) 0x3F80);
    assertThat(HalfFloats.toBf16(Float.MAX_VALUE))
        .as("rounds up to infinity")
        .isEqualTo((short) 0x7F80);
    assertThat(Float.isNaN(HalfFloats.fromBf16(HalfFloats.toBf16(Float.NaN)))).isTrue();
  }

  @Property(tries = 3000)
  void fp16ShouldRoundToTheNearestValueTiesToEven(@ForAll float f) {
    if (Float.isNaN(f) || Math.abs(f) > 65504f) {
      return;
    }
    nearest(f, HalfFloats.toFp16(f), h -> HalfFloats.fromFp16(h));
  }

  @Property(tries = 3000)
  void bf16ShouldRoundToTheNearestValueTiesToEven(@ForAll float f) {
    if (Float.isNaN(f) || Float.isInfinite(f) || Math.abs(f) > 3.38e38f) {
      return;
    }
    nearest(f, HalfFloats.toBf16(f), h -> HalfFloats.fromBf16(h));
  }

  private interface Decode {
    float apply(short h);
  }

  /** No neighbour of {@code h} is nearer {@code f}; at a tie, {@code h} is even. */
  private static void nearest(float f, short h, Decode decode) {
    double got = Math.abs((double) decode.apply(h) - f);
    for (int d : new int[] {-1, 1}) {
      short other = (short) (h + d);
      float v = decode.apply(other);
      if (Float.isNaN(v) || Math.signum(v) * Math.signum(f) < 0) {
        continue;
      }
      double theirs = Math.abs((double) v - f);
      assertThat(got).as("%s rounds to %04x", f, h & 0xFFFF).isLessThanOrEqualTo(theirs);
      if (got == theirs && got > 0) {
        assertThat(h & 1).as("a tie at %s goes to the even value", f).isZero();
      }
    }
  }
}
